// mapio bench --ipc: every transport at every message size, repetitions interleaved so that a
// noisy moment of the machine hits every transport alike.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "ipc_common.hpp"
#include "mapio/core/error.hpp"

namespace mapio::cli::bench::ipc {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::size_t scaled(double count, double scale) {
  return static_cast<std::size_t>(std::max(2.0, std::round(count * scale)));
}

// Round trips per repetition: enough for a stable median, few enough for a run of seconds.
std::size_t round_trip_count(const Transport& t, std::size_t size, double scale) {
  if (!t.streams) return scaled(20000, scale);
  return scaled(size <= 4096 ? 1000 : std::max(25.0, 1000.0 * 4096 / static_cast<double>(size)), scale);
}

std::size_t stream_count(std::size_t size, double scale) {
  if (size <= 64) return scaled(50000, scale);
  return scaled(std::max(50.0, 10000.0 * 4096 / static_cast<double>(std::max<std::size_t>(size, 4096))), scale);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line.empty() ? "unavailable" : line;
}

}  // namespace

Report measure(const Options& options) {
  Report report;
  report.options = options;
  utsname u{};
  ::uname(&u);
  report.environment = {{"kernel", u.release},
                        {"cpu", cpu_model()},
                        {"cpus", fmt::format("{}", std::thread::hardware_concurrency())},
                        {"load average at start", first_line("/proc/loadavg")}};

  std::vector<Transport> transports{mapio_transport(),       mapio_in_place_transport(), pipe_transport(),
                                    unix_socket_transport(), boost_transport(),          iceoryx_transport(),
                                    cache_line_transport()};
  if (!options.only.empty()) {
    std::erase_if(transports, [&](const Transport& t) {
      return std::find(options.only.begin(), options.only.end(), t.name) == options.only.end();
    });
  }
  // What each transport and size measured over the repetitions, and why a transport has nothing.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> trips, rates;
  std::map<std::size_t, std::vector<double>> copies;
  std::vector<std::string> failed(transports.size());
  for (std::size_t i = 0; i < transports.size(); ++i) failed[i] = transports[i].unavailable;

  for (std::size_t i = 0; i < transports.size(); ++i) {
    if (failed[i].empty() && transports[i].start) failed[i] = transports[i].start();
  }
  for (unsigned rep = 0; rep < options.reps; ++rep) {
    for (const std::size_t size : options.sizes) {
      for (std::size_t i = 0; i < transports.size(); ++i) {
        const Transport& t = transports[i];
        if (!failed[i].empty()) continue;
        if (!options.quiet) {
          fmt::print(stderr, "\rrepetition {}/{}: {:<20} {:>8} B ", rep + 1, options.reps, t.name, size);
        }
        try {
          auto& samples = trips[{i, size}];
          const auto times = round_trips(t, size, round_trip_count(t, size, options.scale));
          samples.insert(samples.end(), times.begin(), times.end());
          if (t.streams) rates[{i, size}].push_back(stream(t, size, stream_count(size, options.scale)));
        } catch (const Error& e) {
          failed[i] = e.what();  // no numbers rather than some: reported with the reason
        }
      }
      copies[size].push_back(memcpy_rate(size, stream_count(size, options.scale)));
    }
  }
  for (std::size_t i = 0; i < transports.size(); ++i) {
    if (transports[i].stop && transports[i].unavailable.empty()) transports[i].stop();
  }
  if (!options.quiet) fmt::print(stderr, "\r{:72}\r", "");

  for (const std::size_t size : options.sizes) {
    for (std::size_t i = 0; i < transports.size(); ++i) {
      Result r;
      r.transport = transports[i].name;
      r.description = transports[i].description;
      r.size = size;
      r.unavailable = failed[i];
      if (r.unavailable.empty()) {
        r.latency_ns = median(trips[{i, size}]) / 2;
        if (transports[i].streams) r.messages_per_s = median(rates[{i, size}]);
      }
      report.results.push_back(r);
    }
    report.memcpy_per_s.emplace_back(size, median(copies[size]));
  }
  return report;
}

}  // namespace mapio::cli::bench::ipc
