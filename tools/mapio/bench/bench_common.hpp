// mapio bench: shared declarations of its parts (methods, io_uring, environment, report).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mapio::cli::bench {

/// One way of getting through a file, doing the same newline count. Returns the count, so that
/// every method can be checked against the others.
struct Method {
  std::string name;
  bool cold = true;      ///< meaningful with a cold page cache too
  bool peer = false;     ///< an outside program (GNU wc, dd), timed as a child process
  std::function<std::uint64_t(const std::string& path)> run;
  unsigned threads = 1;  ///< threads that count: its ratio is to the ceiling with as many
};

/// All sequential methods; `threads` for the parallel ones.
std::vector<Method> sequential_methods(unsigned threads);

/// io_uring reads (raw io_uring_setup/io_uring_enter, `depth` reads of `block` bytes in flight).
std::uint64_t count_with_io_uring(const std::string& path, unsigned depth, std::size_t block);

struct Sample {
  std::string method;
  std::string cache;  ///< "hot" or "cold"
  unsigned threads = 1;
  std::vector<double> seconds;
  std::uint64_t bytes = 0;
  double minor_faults_per_gib = 0;
  double major_faults_per_gib = 0;
  std::uint64_t lines = 0;
  bool lines_agree = true;
  double median_gbps() const;
  double best_gbps() const;
};

struct RandomSample {
  std::string method;
  std::uint64_t reads = 0;
  double seconds = 0;
  std::uint64_t lines = 0;  ///< newlines counted over all the reads (random reads: equal in every row)
  double reads_per_second() const { return seconds > 0 ? static_cast<double>(reads) / seconds : 0; }
};

/// Many small files: a plain read() loop against mapio's Scanner, interleaved.
std::vector<RandomSample> measure_small_files(const std::vector<std::string>& paths, unsigned reps);

struct Environment {
  std::vector<std::pair<std::string, std::string>> facts;  ///< name, value, in display order
};
Environment describe_environment(const std::string& path);

struct Report {
  std::string file;
  std::uint64_t size = 0;
  unsigned reps = 0;
  std::string cold_note;
  Environment environment;
  std::vector<Sample> sequential;
  std::vector<RandomSample> random;
  std::vector<RandomSample> small_files;  ///< "reads" = files
  std::uint64_t small_file_count = 0;
  double ceiling_gbps = 0;           ///< one thread over a resident anonymous buffer
  double parallel_ceiling_gbps = 0;  ///< all threads over it
  unsigned parallel_threads = 1;     ///< how many "all threads" is
  /// The ceiling a method of `threads` threads is held to: the same count with as many threads.
  double ceiling_for(unsigned threads) const { return threads > 1 ? parallel_ceiling_gbps : ceiling_gbps; }
  /// A sample's median over its own ceiling (0 when there is none).
  double ratio_to_ceiling(const Sample& s) const {
    const double c = ceiling_for(s.threads);
    return c > 0 ? s.median_gbps() / c : 0;
  }
};

std::string render_table(const Report& report);
std::string render_json(const Report& report);
std::string render_csv(const Report& report);
std::string render_svg(const Report& report);

}  // namespace mapio::cli::bench
