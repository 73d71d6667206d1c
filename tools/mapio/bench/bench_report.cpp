// mapio bench: the results as a text table, JSON, CSV, and a hand-written SVG bar chart.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "json_text.hpp"

namespace mapio::cli::bench {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

double Sample::median_gbps() const {
  const double s = median(seconds);
  return s > 0 ? static_cast<double>(bytes) / s / 1e9 : 0;
}
double Sample::best_gbps() const {
  if (seconds.empty()) return 0;
  const double s = *std::min_element(seconds.begin(), seconds.end());
  return s > 0 ? static_cast<double>(bytes) / s / 1e9 : 0;
}

std::string render_table(const Report& r) {
  std::string out = fmt::format("file: {} ({:.1f} MiB), {} repetitions, interleaved\n", r.file,
                                static_cast<double>(r.size) / (1 << 20), r.reps);
  std::size_t width = 0;
  for (const auto& fact : r.environment.facts) width = std::max(width, fact.first.size());
  for (const auto& [k, v] : r.environment.facts) out += fmt::format("  {:<{}} {}\n", k, width, v);
  out += fmt::format("memory-bandwidth ceiling (newline count over a resident anonymous buffer): "
                     "{:.2f} GB/s with 1 thread, {:.2f} GB/s with {} threads\n",
                     r.ceiling_gbps, r.parallel_ceiling_gbps, r.parallel_threads);
  out += "x ceiling: each method over the ceiling with as many threads as it uses (column thr)\n";
  if (!r.cold_note.empty()) out += r.cold_note + "\n";
  out += fmt::format("\n{:<26} {:<5} {:>3} {:>9} {:>9} {:>10} {:>12} {:>12}\n", "method", "cache", "thr", "GB/s med",
                     "GB/s best", "x ceiling", "minflt/GiB", "majflt/GiB");
  for (const auto& s : r.sequential) {
    out += fmt::format("{:<26} {:<5} {:>3} {:>9.2f} {:>9.2f} {:>10.2f} {:>12.0f} {:>12.0f}{}\n", s.method, s.cache,
                       s.threads, s.median_gbps(), s.best_gbps(), r.ratio_to_ceiling(s), s.minor_faults_per_gib,
                       s.major_faults_per_gib, s.lines_agree ? "" : "  LINE COUNT DIFFERS");
  }
  if (!r.random.empty()) {
    out += fmt::format("\nrandom 4 KiB reads (hot page cache)\n{:<40} {:>14} {:>10}\n", "method", "reads/s", "x pread");
    double pread_rate = 0;  // each group starts with its pread row
    for (const auto& s : r.random) {
      if (s.method.rfind("pread", 0) == 0) pread_rate = s.reads_per_second();
      out += fmt::format("{:<40} {:>14.0f} {:>10.2f}\n", s.method, s.reads_per_second(),
                         pread_rate > 0 ? s.reads_per_second() / pread_rate : 0);
    }
  }
  if (!r.small_files.empty()) {
    out += fmt::format("\n{} small files (1-16 KiB, hot page cache)\n{:<40} {:>14} {:>14}\n", r.small_file_count,
                       "method", "files/s", "x read loop");
    const double base = r.small_files[0].reads_per_second();
    for (const auto& s : r.small_files) {
      out += fmt::format("{:<40} {:>14.0f} {:>14.2f}\n", s.method, s.reads_per_second(),
                         base > 0 ? s.reads_per_second() / base : 0);
    }
  }
  return out;
}

std::string render_json(const Report& r) {
  nlohmann::json j;
  j["file"] = r.file;
  j["size_bytes"] = r.size;
  j["repetitions"] = r.reps;
  j["cold_note"] = r.cold_note;
  for (const auto& [k, v] : r.environment.facts) j["environment"][k] = v;
  j["ceiling_gbps"] = r.ceiling_gbps;
  j["parallel_ceiling_gbps"] = r.parallel_ceiling_gbps;
  j["parallel_ceiling_threads"] = r.parallel_threads;
  for (const auto& s : r.sequential) {
    j["sequential"].push_back({{"method", s.method}, {"cache", s.cache}, {"threads", s.threads}, {"seconds", s.seconds},
                               {"median_gbps", s.median_gbps()}, {"best_gbps", s.best_gbps()},
                               {"ceiling_gbps", r.ceiling_for(s.threads)}, {"ratio_to_ceiling", r.ratio_to_ceiling(s)},
                               {"minor_faults_per_gib", s.minor_faults_per_gib},
                               {"major_faults_per_gib", s.major_faults_per_gib}, {"lines_agree", s.lines_agree}});
  }
  for (const auto& s : r.random) {
    j["random_4k"].push_back({{"method", s.method}, {"reads", s.reads}, {"seconds", s.seconds},
                              {"reads_per_second", s.reads_per_second()}, {"lines", s.lines}});
  }
  for (const auto& s : r.small_files) {
    j["small_files"].push_back({{"method", s.method}, {"files", s.reads}, {"seconds", s.seconds},
                                {"files_per_second", s.reads_per_second()}});
  }
  return json_text(j);
}

std::string render_csv(const Report& r) {
  // ratio_to_ceiling is over the ceiling row with the same threads.
  std::string out =
      "kind,method,cache,threads,median_gbps,best_gbps,ratio_to_ceiling,minor_faults_per_gib,major_faults_per_gib,"
      "reads_per_second\n";
  out += fmt::format("ceiling,resident buffer 1 thread,hot,1,{:.3f},{:.3f},1,0,0,\n", r.ceiling_gbps, r.ceiling_gbps);
  out += fmt::format("ceiling,resident buffer {} threads,hot,{},{:.3f},{:.3f},1,0,0,\n", r.parallel_threads,
                     r.parallel_threads, r.parallel_ceiling_gbps, r.parallel_ceiling_gbps);
  for (const auto& s : r.sequential) {
    out += fmt::format("sequential,\"{}\",{},{},{:.3f},{:.3f},{:.3f},{:.0f},{:.0f},\n", s.method, s.cache, s.threads,
                       s.median_gbps(), s.best_gbps(), r.ratio_to_ceiling(s), s.minor_faults_per_gib,
                       s.major_faults_per_gib);
  }
  for (const auto& s : r.random) {
    out += fmt::format("random4k,\"{}\",hot,1,,,,,,{:.0f}\n", s.method, s.reads_per_second());
  }
  for (const auto& s : r.small_files) {
    out += fmt::format("smallfiles,\"{}\",hot,1,,,,,,{:.0f}\n", s.method, s.reads_per_second());
  }
  return out;
}

// Horizontal bars, one per method and cache state, GB/s on a common scale, the ceiling drawn as a
// dashed line. Hot bars are blue, cold ones orange.
std::string render_svg(const Report& r) {
  const int label_width = 230, bar_area = 520, row = 22, top = 60, left = 10;
  const int rows = static_cast<int>(r.sequential.size());
  const int height = top + rows * row + 60;
  const int width = left + label_width + bar_area + 90;
  double scale_max = std::max(r.ceiling_gbps, r.parallel_ceiling_gbps);
  for (const auto& s : r.sequential) scale_max = std::max(scale_max, s.median_gbps());
  scale_max = std::max(1.0, scale_max * 1.05);
  auto x_of = [&](double gbps) { return left + label_width + static_cast<int>(gbps / scale_max * bar_area); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Newline count, GB/s (median of {}), {:.0f} MiB file</text>\n"
      "<text x=\"{}\" y=\"38\" fill=\"#555\">blue: page cache hot, orange: cold (dropped before each run); dashed: "
      "resident-buffer ceiling, 1 thread; dotted: all threads</text>\n",
      width, height, left, r.reps, static_cast<double>(r.size) / (1 << 20), left);
  for (int tick = 0; tick <= 5; ++tick) {
    const double v = scale_max * tick / 5;
    const int x = x_of(v);
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#eee\"/>\n", x, top - 5, x, top + rows * row);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{:.0f}</text>\n", x,
                       top + rows * row + 15, v);
  }
  for (int i = 0; i < rows; ++i) {
    const auto& s = r.sequential[static_cast<std::size_t>(i)];
    const int y = top + i * row;
    const double v = s.median_gbps();
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} ({})</text>\n", left + label_width - 6,
                       y + 14, escape_xml(s.method), s.cache);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", left + label_width, y + 3,
                       std::max(1, x_of(v) - left - label_width), row - 6, s.cache == "hot" ? "#3b6fb6" : "#e08a2e");
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.2f}</text>\n", x_of(v) + 4, y + 14, v);
  }
  const int cx = x_of(r.ceiling_gbps);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#c00\" stroke-dasharray=\"5,3\"/>\n", cx,
                     top - 8, cx, top + rows * row);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#c00\" text-anchor=\"middle\">ceiling {:.1f}</text>\n", cx, top - 10,
                     r.ceiling_gbps);
  if (r.parallel_threads > 1 && r.parallel_ceiling_gbps > 0) {
    // The ceiling the multi-threaded methods are held to, dotted, its label below the bars.
    const int px = x_of(r.parallel_ceiling_gbps);
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#c00\" stroke-dasharray=\"2,3\"/>\n", px,
                       top - 8, px, top + rows * row);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#c00\" text-anchor=\"middle\">{} threads {:.1f}</text>\n", px,
                       top + rows * row + 45, r.parallel_threads, r.parallel_ceiling_gbps);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">GB/s</text>\n", left + label_width + bar_area / 2,
                     top + rows * row + 32);
  svg += "</svg>\n";
  return svg;
}

}  // namespace mapio::cli::bench
