// A progress bar on standard error for long scans, shared by wc, count and grep.
//
// It shows itself only when the scan has run for a second and standard error is a terminal, and
// never with --quiet: a pipeline or a log file never sees it. The scan reports bytes done through
// the atomic counter that InputOptions::progress points at; a helper thread draws ten times a second.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mapio/scan/input.hpp"

namespace mapio::cli {

class ProgressBar {
 public:
  /// `total` bytes expected (0 = unknown: show bytes and rate only).
  ProgressBar(bool wanted, std::uint64_t total) : total_(total) {
    if (!wanted || ::isatty(STDERR_FILENO) == 0) return;
    drawer_ = std::thread([this] { draw_loop(); });
  }
  ~ProgressBar() {
    if (!drawer_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    drawer_.join();
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  std::atomic<std::uint64_t>* counter() noexcept { return &bytes_; }

 private:
  void draw_loop() {
    using namespace std::chrono;
    const auto start = steady_clock::now();
    bool shown = false;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, milliseconds(100), [this] { return done_; })) {
      const double elapsed = duration<double>(steady_clock::now() - start).count();
      if (elapsed < 1.0) continue;
      shown = true;
      const auto done = bytes_.load(std::memory_order_relaxed);
      const double rate = static_cast<double>(done) / elapsed / 1e9;
      if (total_ > 0) {
        const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
        const int filled = static_cast<int>(fraction * 30);
        fmt::print(stderr, "\r[{:#<{}}{:.<{}}] {:3.0f}% {:.2f}/{:.2f} GB {:.2f} GB/s ", "", filled, "", 30 - filled,
                   fraction * 100, static_cast<double>(done) / 1e9, static_cast<double>(total_) / 1e9, rate);
      } else {
        fmt::print(stderr, "\r{:.2f} GB {:.2f} GB/s ", static_cast<double>(done) / 1e9, rate);
      }
      std::fflush(stderr);
    }
    if (shown) {
      fmt::print(stderr, "\r{:72}\r", "");
      std::fflush(stderr);
    }
  }

  std::uint64_t total_;
  std::atomic<std::uint64_t> bytes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread drawer_;
};

/// The input options every scanning verb offers: --method, --threads, --quiet.
struct ScanFlags {
  std::string method = "auto";
  unsigned threads = 0;
  bool quiet = false;

  /// `short_quiet`: whether -q names --quiet; grep keeps -q for grep's own meaning (quiet output)
  /// and offers only --no-progress.
  void add_to(CLI::App& app, bool short_quiet = true) {
    app.add_option("--method", method, "How to read inputs: auto (map large files, read the rest), map, read")
        ->check(CLI::IsMember({"auto", "map", "mmap", "read"}));
    app.add_option("--threads", threads, "Threads for large mapped files (0 = one per CPU)");
    app.add_flag(short_quiet ? "-q,--quiet,--no-progress" : "--no-progress", quiet, "No progress bar");
  }
  InputOptions options(std::atomic<std::uint64_t>* progress) const {
    InputOptions o;
    o.method = parse_input_method(method);
    o.threads = threads;
    o.progress = progress;
    return o;
  }
};

/// Sum of the sizes of the regular files among `paths` (for the progress bar's total).
inline std::uint64_t regular_total(const std::vector<std::string>& paths) {
  std::uint64_t total = 0;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p == "-" || !std::filesystem::is_regular_file(p, ec)) continue;
    const auto size = std::filesystem::file_size(p, ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace mapio::cli
