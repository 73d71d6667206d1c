// mapio bench: what the numbers depend on — kernel, file system, THP mode, fault-around,
// readahead, CPU and the scanning kernel in use.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "bench_common.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::cli::bench {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "unavailable";
  return line;
}

// The mount (from /proc/self/mounts) with the longest mount point that holds `path`.
std::pair<std::string, std::string> file_system_of(const std::string& path) {
  std::error_code ec;
  const std::string full = std::filesystem::weakly_canonical(path, ec).string();
  std::ifstream mounts("/proc/self/mounts");
  std::string device, point, type, rest, best_type = "unknown", best_device;
  std::size_t best = 0;
  while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
    const bool inside = full.rfind(point, 0) == 0 && (full.size() == point.size() || point == "/" || full[point.size()] == '/');
    if (inside && point.size() >= best) {
      best = point.size();
      best_type = type;
      best_device = device;
    }
  }
  return {best_type, best_device};
}

// debugfs holds fault_around_bytes; say why it cannot be read rather than guess.
std::string fault_around_bytes() {
  const char* path = "/sys/kernel/debug/fault_around_bytes";
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line)) return line;
  const int error = errno;
  std::error_code ec;
  if (std::filesystem::is_empty("/sys/kernel/debug", ec) || ec) {
    return "unavailable (debugfs not mounted; the kernel default is 65536)";
  }
  if (error == EPERM) return "unavailable (debugfs restricted by kernel lockdown; the kernel default is 65536)";
  if (error == EACCES) return "unavailable (debugfs needs root; the kernel default is 65536)";
  return fmt::format("unavailable ({}; the kernel default is 65536)", std::strerror(error));
}

std::string readahead_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "unavailable";
  const std::string dev = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  for (const std::string& candidate : {dev + "/queue/read_ahead_kb", dev + "/../queue/read_ahead_kb"}) {
    const std::string kb = first_line(candidate);
    if (kb != "unavailable") return kb + " KiB";
  }
  return "unavailable (no block device: " + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) + ")";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

Environment describe_environment(const std::string& path) {
  Environment e;
  utsname u{};
  ::uname(&u);
  auto [fs, device] = file_system_of(path);
  e.facts = {
      {"kernel", std::string(u.sysname) + " " + u.release},
      {"cpu", cpu_model() + " (" + std::to_string(std::thread::hardware_concurrency()) + " threads)"},
      {"scan kernel", scan_kernel_name()},
      {"file system", fs + " on " + device},
      {"THP enabled", first_line("/sys/kernel/mm/transparent_hugepage/enabled")},
      {"THP shmem_enabled", first_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled")},
      {"fault_around_bytes", fault_around_bytes()},
      {"readahead", readahead_of(path)},
  };
  return e;
}

}  // namespace mapio::cli::bench
