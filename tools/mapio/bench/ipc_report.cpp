// mapio bench --ipc: the results as a table with the goals checked, as JSON (one object
// per transport and size), and as an SVG chart.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ipc_common.hpp"
#include "json_text.hpp"

namespace mapio::cli::bench::ipc {
namespace {

const Result* find(const Report& r, const std::string& transport, std::size_t size) {
  for (const auto& x : r.results) {
    if (x.transport == transport && x.size == size) return &x;
  }
  return nullptr;
}

double memcpy_for(const Report& r, std::size_t size) {
  for (const auto& [s, v] : r.memcpy_per_s) {
    if (s == size) return v;
  }
  return 0;
}

std::string size_name(std::size_t size) {
  if (size >= (1u << 20) && size % (1u << 20) == 0) return fmt::format("{} MiB", size >> 20);
  if (size >= 1024 && size % 1024 == 0) return fmt::format("{} KiB", size >> 10);
  return fmt::format("{} B", size);
}

// A ratio of two optional measurements, or nothing when either is missing.
std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

std::string goal_line(const char* what, std::optional<double> value, double goal, bool at_most) {
  if (!value) return fmt::format("  {:<58} not measured\n", what);
  const bool met = at_most ? *value <= goal : *value >= goal;
  return fmt::format("  {:<58} {:>7.2f}x  (goal {} {}x)  {}\n", what, *value, at_most ? "<=" : ">=", goal,
                     met ? "met" : "NOT MET");
}

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string render_table(const Report& r) {
  std::string out = fmt::format("messages between two processes: {} repetitions, interleaved; latency = median half "
                                "round trip, rate = median of the streams\n",
                                r.options.reps);
  for (const auto& [k, v] : r.environment) out += fmt::format("  {:<22} {}\n", k, v);
  out += fmt::format("\n{:<20} {:>7} {:>14} {:>14} {:>10} {:>12} {:>11}\n", "transport", "size", "latency ns",
                     "messages/s", "MB/s", "x floor lat", "x pipe rate");
  for (const auto& x : r.results) {
    if (!x.unavailable.empty()) continue;
    const Result* floor = find(r, "cache-line", x.size);
    const Result* pipe = find(r, "pipe", x.size);
    const auto lat = ratio(x.latency_ns, floor ? floor->latency_ns : std::nullopt);
    const auto rate = ratio(x.messages_per_s, pipe ? pipe->messages_per_s : std::nullopt);
    out += fmt::format("{:<20} {:>7} {:>14.0f} {:>14} {:>10} {:>12} {:>11}\n", x.transport, size_name(x.size),
                       x.latency_ns.value_or(0),
                       x.messages_per_s ? fmt::format("{:.0f}", *x.messages_per_s) : "-",
                       x.messages_per_s ? fmt::format("{:.0f}", *x.messages_per_s * static_cast<double>(x.size) / 1e6) : "-",
                       lat ? fmt::format("{:.2f}", *lat) : "-", rate ? fmt::format("{:.2f}", *rate) : "-");
  }
  for (const auto& [size, rate] : r.memcpy_per_s) {
    out += fmt::format("{:<20} {:>7} {:>14.0f} {:>14.0f} {:>10.0f} {:>12} {:>11}\n", "(memcpy, 1 process)",
                       size_name(size), 1e9 / rate, rate, rate * static_cast<double>(size) / 1e6, "-", "-");
  }
  // Each transport once: what it is, or why it is missing.
  out += "\n";
  for (const auto& x : r.results) {
    if (x.size != r.options.sizes.front()) continue;
    out += x.unavailable.empty() ? fmt::format("  {:<20} {}\n", x.transport, x.description)
                                 : fmt::format("  {:<20} UNAVAILABLE: {}\n", x.transport, x.unavailable);
  }

  // The goals of mapio's channel, measured in this run.
  const std::size_t small = r.options.sizes.front(), large = r.options.sizes.back();
  const Result* mapio_small = find(r, "mapio", small);
  const Result* mapio_large = find(r, "mapio", large);
  const Result* in_place_large = find(r, "mapio-in-place", large);
  const Result* floor = find(r, "cache-line", small);
  const Result* socket = find(r, "unix-socket", small);
  const Result* pipe = find(r, "pipe", small);
  auto get = [](const Result* x, std::optional<double> Result::*field) { return x ? x->*field : std::nullopt; };
  out += "\ngoals (mapio's channel, this run):\n";
  out += goal_line(fmt::format("{} latency over the cache-line floor", size_name(small)).c_str(),
                   ratio(get(mapio_small, &Result::latency_ns), get(floor, &Result::latency_ns)), 2, true);
  out += goal_line(fmt::format("{} latency: UNIX socket over mapio", size_name(small)).c_str(),
                   ratio(get(socket, &Result::latency_ns), get(mapio_small, &Result::latency_ns)), 10, false);
  out += goal_line(fmt::format("{} messages/s: mapio over pipe", size_name(small)).c_str(),
                   ratio(get(mapio_small, &Result::messages_per_s), get(pipe, &Result::messages_per_s)), 10, false);
  const double copy = memcpy_for(r, large);
  out += goal_line(fmt::format("{} messages/s: mapio over memcpy (one copy)", size_name(large)).c_str(),
                   ratio(get(mapio_large, &Result::messages_per_s), copy > 0 ? std::optional(copy) : std::nullopt),
                   0.8, false);
  out += goal_line(fmt::format("{} messages/s: mapio in place (no copy) over memcpy", size_name(large)).c_str(),
                   ratio(get(in_place_large, &Result::messages_per_s), copy > 0 ? std::optional(copy) : std::nullopt),
                   0.8, false);
  return out;
}

std::string render_json(const Report& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& x : r.results) {
    nlohmann::json o{{"transport", x.transport}, {"size", x.size}};
    o["latency_ns"] = x.latency_ns ? nlohmann::json(*x.latency_ns) : nlohmann::json(nullptr);
    o["messages_per_s"] = x.messages_per_s ? nlohmann::json(*x.messages_per_s) : nlohmann::json(nullptr);
    o["available"] = x.unavailable.empty();
    if (!x.unavailable.empty()) o["unavailable"] = x.unavailable;
    out.push_back(o);
  }
  return json_text(out);
}

// Two panels of horizontal bars on logarithmic scales, one row per transport and size: the
// median half round trip (shorter is better) and messages per second (longer is better).
std::string render_svg(const Report& r) {
  std::vector<const Result*> rows;
  for (const auto& x : r.results) {
    if (x.unavailable.empty()) rows.push_back(&x);
  }
  const int label = 200, panel = 330, gap = 60, row = 20, top = 70, left = 10;
  const int height = top + static_cast<int>(rows.size()) * row + 50;
  const int width = left + label + 2 * panel + gap + 40;
  auto log_x = [&](double v, double lo, double hi, int x0) {
    const double f = (std::log10(std::max(v, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return x0 + static_cast<int>(f * panel);
  };
  double lat_lo = 1e30, lat_hi = 0, rate_lo = 1e30, rate_hi = 0;
  for (const auto* x : rows) {
    lat_lo = std::min(lat_lo, *x->latency_ns);
    lat_hi = std::max(lat_hi, *x->latency_ns);
    if (x->messages_per_s) {
      rate_lo = std::min(rate_lo, *x->messages_per_s);
      rate_hi = std::max(rate_hi, *x->messages_per_s);
    }
  }
  // Decades around the data, so that every bar has a length.
  lat_lo = std::pow(10, std::floor(std::log10(std::max(lat_lo, 1.0))) - 1);
  lat_hi = std::pow(10, std::ceil(std::log10(std::max(lat_hi, 10.0))));
  rate_lo = std::pow(10, std::floor(std::log10(std::max(std::min(rate_lo, rate_hi), 1.0))) - 1);
  rate_hi = std::pow(10, std::ceil(std::log10(std::max(rate_hi, 10.0))));

  const int x_lat = left + label, x_rate = left + label + panel + gap;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Messages between two processes "
      "(medians of {} repetitions)</text>\n"
      "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">latency, ns (half round trip, log scale)</text>\n"
      "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">messages per second (log scale)</text>\n",
      width, height, left, r.options.reps, x_lat, top - 20, x_rate, top - 20);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Result& x = *rows[i];
    const int y = top + static_cast<int>(i) * row;
    const char* colour = x.transport.rfind("mapio", 0) == 0 ? "#3b6fb6" : x.transport == "cache-line" ? "#888" : "#e08a2e";
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} {}</text>\n", x_lat - 6, y + 14,
                       escape_xml(x.transport), escape_xml(size_name(x.size)));
    const int lw = std::max(1, log_x(*x.latency_ns, lat_lo, lat_hi, x_lat) - x_lat);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", x_lat, y + 3, lw, row - 6,
                       colour);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.0f}</text>\n", x_lat + lw + 3, y + 14, *x.latency_ns);
    if (x.messages_per_s) {
      const int rw = std::max(1, log_x(*x.messages_per_s, rate_lo, rate_hi, x_rate) - x_rate);
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", x_rate, y + 3, rw,
                         row - 6, colour);
      svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.3g}</text>\n", x_rate + rw + 3, y + 14, *x.messages_per_s);
    }
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">blue: mapio; grey: the cache-line floor; orange: peers. "
                     "Scales {:.0f}-{:.0f} ns and {:.0f}-{:.0f} messages/s</text>\n",
                     left, height - 15, lat_lo, lat_hi, rate_lo, rate_hi);
  svg += "</svg>\n";
  return svg;
}

}  // namespace mapio::cli::bench::ipc
