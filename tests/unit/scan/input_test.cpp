// The input policy and the scan engine: every method gives the same answer on real files, sparse
// files, pipes; a file truncated during a mapped scan gives mapio::Error, never SIGBUS.
#include "mapio/scan/input.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/scan/scan.hpp"
#include "test_support.hpp"

namespace {

using mapio::Input;
using mapio::InputMethod;
using mapio::InputOptions;
using mapio::Scanner;
using mapio::test::ScratchDir;

std::string random_text(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, 11);
  std::string s(n, ' ');
  for (auto& c : s) c = "ab cd\nef\tgh\0"[pick(rng)];
  return s;
}

InputOptions with(InputMethod method, unsigned threads = 1, std::uint64_t parallel = std::uint64_t{16} << 20) {
  InputOptions o;
  o.method = method;
  o.threads = threads;
  o.parallel_threshold = parallel;
  o.buffer_size = 65536;
  return o;
}

struct Counts {
  std::uint64_t lines, words, bytes, matched;
  bool operator==(const Counts&) const = default;
};

Counts count_all(const std::filesystem::path& path, const InputOptions& options) {
  Scanner scanner(options);
  Counts c{};
  {
    auto in = Input::open(path);
    auto s = scanner.scan(in, mapio::TextCounter(true, true));
    c.lines = s.lines;
    c.words = s.words.words;
    c.bytes = s.bytes;
  }
  auto in = Input::open(path);
  c.matched = scanner.scan(in, mapio::LineMatcher(mapio::as_bytes("ab"))).matched;
  return c;
}

Counts reference(const std::string& text) {
  const std::span<const std::byte> d(reinterpret_cast<const std::byte*>(text.data()), text.size());
  const mapio::TextCounter t(true, true);
  const auto s = t.summarize(d);
  return Counts{s.lines, s.words.words, s.bytes, mapio::LineMatcher(mapio::as_bytes("ab")).summarize(d).matched};
}

TEST(Scanner, EveryMethodAndThreadCountGivesTheSameAnswer) {
  ScratchDir dir;
  const std::string text = random_text((3u << 20) + 4097, 7);
  const auto path = dir.write("text", text);
  const Counts expected = reference(text);
  EXPECT_EQ(count_all(path, with(InputMethod::read)), expected);
  EXPECT_EQ(count_all(path, with(InputMethod::map)), expected);
  EXPECT_EQ(count_all(path, with(InputMethod::automatic)), expected);
  for (unsigned threads : {2u, 3u, 8u}) {
    EXPECT_EQ(count_all(path, with(InputMethod::map, threads, 4096)), expected) << threads << " threads";
  }
}

TEST(Scanner, PolicyMapsLargeRegularFilesAndReadsTheRest) {
  ScratchDir dir;
  Scanner scanner;
  auto small = Input::open(dir.write("small", "hello\n"));
  auto large = Input::open(dir.write("large", std::string(scanner.options().map_threshold, 'x')));
  auto empty = Input::open(dir.write("empty", ""));
  EXPECT_EQ(scanner.method_for(small), InputMethod::read);
  EXPECT_EQ(scanner.method_for(empty), InputMethod::read);
  // Just written, the large file is in the page cache in small pieces: the scan maps it to find
  // that out and then copies it out with pread, and method_for says read, as it is.
  EXPECT_EQ(scanner.route_for(large), Scanner::Route::copied_out);
  EXPECT_EQ(scanner.method_for(large), InputMethod::read);
  EXPECT_EQ(scanner.scan(large, mapio::LineCounter{}).count, 0u);
  EXPECT_EQ(scanner.last_route(), Scanner::Route::copied_out);
  struct statfs fs {};
  if (::statfs(dir.path().c_str(), &fs) == 0 && fs.f_type != TMPFS_MAGIC) {
    mapio::evict_from_page_cache(dir / "large");  // cold: read through the mapping
    auto cold = Input::open(dir / "large");
    EXPECT_EQ(scanner.route_for(cold), Scanner::Route::mapped);
    EXPECT_EQ(scanner.method_for(cold), InputMethod::map);
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto pipe_in = Input::open("/proc/self/fd/" + std::to_string(fds[0]));
  EXPECT_FALSE(pipe_in.is_regular());
  EXPECT_EQ(Scanner(with(InputMethod::map)).method_for(pipe_in), InputMethod::read);  // a pipe cannot be mapped
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Scanner, SmallFilesAreScannedWithoutAskingFstatLargeOnesAreMappedFromTheStart) {
  ScratchDir dir;
  Scanner scanner;
  auto small = Input::open(dir.write("small", "one\ntwo\nthree"));
  EXPECT_EQ(scanner.scan(small, mapio::LineCounter{}).count, 2u);
  EXPECT_FALSE(small.status_known()) << "a file that ends within the first buffer needs no fstat";

  std::string text;
  while (text.size() < 3 * scanner.options().map_threshold) text += "a line of text\n";
  auto large = Input::open(dir.write("large", text));
  ::lseek(large.descriptor(), 5, SEEK_SET);  // scans start where the descriptor is, as read() would
  const auto lines = scanner.scan(large, mapio::LineCounter{}).count;
  EXPECT_TRUE(large.status_known());
  EXPECT_NE(scanner.last_route(), Scanner::Route::read) << "a large file is mapped, to scan or to probe";
  EXPECT_EQ(lines, static_cast<std::uint64_t>(std::count(text.begin() + 5, text.end(), '\n')));

  auto directory = Input::open(dir.path());
  try {
    scanner.scan(directory, mapio::LineCounter{});
    FAIL() << "scanning a directory succeeded";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), EISDIR) << e.what();
  }
}

TEST(Scanner, SparseFilesCountHolesWithoutReadingThemAndAgreeWithAFullRead) {
  ScratchDir dir;
  const auto path = dir / "sparse";
  const std::string middle = "ab cd\nab", tail = "x ab\n";
  {
    auto fd = mapio::FileDescriptor::open(path, O_RDWR | O_CREAT | O_TRUNC);
    ASSERT_EQ(::ftruncate(fd.get(), 64 << 20), 0);
    ASSERT_EQ(::pwrite(fd.get(), middle.data(), middle.size(), 5 << 20), static_cast<ssize_t>(middle.size()));
    ASSERT_EQ(::pwrite(fd.get(), tail.data(), tail.size(), 64 << 20), static_cast<ssize_t>(tail.size()));
  }
  auto full = with(InputMethod::read);
  full.skip_holes = false;
  const Counts expected = count_all(path, full);
  EXPECT_EQ(expected.bytes, (64u << 20) + tail.size());
  EXPECT_EQ(expected.lines, 2u);
  EXPECT_EQ(count_all(path, with(InputMethod::read)), expected);
  EXPECT_EQ(count_all(path, with(InputMethod::map)), expected);
  EXPECT_EQ(count_all(path, with(InputMethod::map, 2, 4096)), expected);
}

TEST(Scanner, ReadsPipes) {
  const std::string text = random_text(300000, 3);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fds[1], text.data() + done, std::min<std::size_t>(1000, text.size() - done));
      if (n <= 0) ::_exit(1);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  auto in = Input::open("/proc/self/fd/" + std::to_string(fds[0]));
  Scanner scanner;
  const auto s = scanner.scan(in, mapio::TextCounter(true, true));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(s.bytes, text.size());
  EXPECT_EQ(s.lines, reference(text).lines);
  EXPECT_EQ(s.words.words, reference(text).words);
}

TEST(Scanner, ReportsProgressAndRefusesDirectories) {
  ScratchDir dir;
  const auto path = dir.write("f", random_text(5 << 20, 1));
  std::atomic<std::uint64_t> progress{0};
  auto options = with(InputMethod::map, 2, 1 << 20);
  options.progress = &progress;
  Scanner scanner(options);
  auto in = Input::open(path);
  scanner.scan(in, mapio::LineCounter{});
  EXPECT_EQ(progress.load(), 5u << 20);

  auto d = Input::open(dir.path());
  try {
    scanner.scan(d, mapio::LineCounter{});
    FAIL() << "a directory scanned";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), EISDIR);
  }
  EXPECT_THROW(Input::open(dir / "missing"), mapio::Error);
}

// A counter that, on its first piece, has a child process truncate the file, then goes on: the
// next page it reads is gone.
struct TruncatingCounter : mapio::LineCounter {
  int* go;        // write end: tells the child to truncate
  pid_t child;
  mutable std::atomic<bool> fired{false};
  Summary summarize(std::span<const std::byte> data) const noexcept {
    if (!fired.exchange(true)) {
      char c = 't';
      if (::write(*go, &c, 1) != 1) ::abort();
      int status = 0;
      ::waitpid(child, &status, 0);
    }
    return mapio::LineCounter::summarize(data);
  }
};

// Scans a file of `size` bytes (8 MiB unless said) with `options` while a child process truncates
// it to 4096 bytes after the first piece; the scan must end in a mapio::Error with `errno_value`
// whose text holds `says`.
void expect_truncation_error(const InputOptions& options, int errno_value, const std::string& says,
                             std::size_t size = 8 << 20) {
  ScratchDir dir;
  const auto path = dir.write("victim", random_text(size, 5));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char c;
    if (::read(fds[0], &c, 1) != 1) ::_exit(2);
    ::_exit(::truncate(path.c_str(), 4096) == 0 ? 0 : 1);
  }
  ::close(fds[0]);
  TruncatingCounter counter;
  counter.go = &fds[1];
  counter.child = child;
  Scanner scanner(options);
  auto in = Input::open(path);
  try {
    scanner.scan(in, counter);
    ADD_FAILURE() << "the scan of a truncated file succeeded";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), errno_value) << e.what();
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  ::close(fds[1]);
}

TEST(Scanner, AFileTruncatedDuringAMappedScanIsAnErrorNotSigbus) {
  for (unsigned threads : {1u, 2u}) {
    expect_truncation_error(with(InputMethod::map, threads, 1 << 20), EFAULT, "victim");
  }
}

TEST(Scanner, AHotFileTruncatedDuringACopyOutScanIsAnErrorNotAShortCount) {
  // A hot large file is copied out with pread by the automatic policy; a truncation underneath
  // shows as a read that ends early, and that must be an error, not a smaller answer.
  for (unsigned threads : {1u, 2u}) {
    expect_truncation_error(with(InputMethod::automatic, threads, 1 << 20), EIO,
                            "the file shrank from 8388608 to 4096 bytes while it was read");
  }
}

TEST(Scanner, AFileTruncatedDuringAReadLoopIsAnErrorNamingBothSizes) {
  // read(2) at the new end of file returns 0, as at any end: only the size fstat gave when the
  // scan began tells the two apart. Forced read, with and without the hole-skipping pread loop.
  auto forced = with(InputMethod::read);
  expect_truncation_error(forced, EIO, "the file shrank from 8388608 to 4096 bytes while it was read");
  forced.skip_holes = false;
  expect_truncation_error(forced, EIO, "shrank from 8388608 to 4096 bytes");
  // The automatic policy on a file below the mapping threshold that fills the first buffer: it is
  // asked its size then, and read on.
  auto automatic = with(InputMethod::automatic);
  ASSERT_LT(std::size_t{512} << 10, automatic.map_threshold);
  expect_truncation_error(automatic, EIO, "shrank from 524288 to 4096 bytes", std::size_t{512} << 10);
}

TEST(Scanner, AFileThatReportsMoreThanItHoldsIsNotCalledTruncated) {
  // sysfs attributes are regular files of st_size 4096 that deliver a few bytes: a forced read of
  // one ends early every time, and the size has not changed, so it is an answer, not an error.
  const std::filesystem::path attribute = "/sys/kernel/mm/transparent_hugepage/enabled";
  Scanner scanner(with(InputMethod::read));
  std::unique_ptr<Input> in;
  try {
    in = std::make_unique<Input>(Input::open(attribute));
  } catch (const mapio::Error& e) {
    GTEST_SKIP() << e.what();
  }
  const auto delivered = mapio::test::read_with_read(attribute).size();
  if (!in->is_regular() || in->size() <= delivered) GTEST_SKIP() << attribute << " reports its true size here";
  const auto s = scanner.scan(*in, mapio::TextCounter(true, false));
  EXPECT_EQ(s.bytes, delivered);
  EXPECT_EQ(s.lines, 1u);
}

TEST(Scanner, ReadsOneEndOfASocketPair) {
  // A stream socket delivers in pieces of whatever size the writer and the kernel choose; the
  // scan reads it as a pipe, to the writer's shutdown.
  const std::string text = random_text(1 << 20, 11);
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::thread writer([&] {
    std::mt19937 rng(4);
    std::uniform_int_distribution<std::size_t> piece(1, 70000);
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fds[1], text.data() + done, std::min(piece(rng), text.size() - done));
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::shutdown(fds[1], SHUT_WR);
  });
  // A socket cannot be opened by its /proc/self/fd name (ENXIO): it reaches the scan as standard
  // input does, `mapio wc < socket`.
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  auto in = Input::standard_input();
  ASSERT_EQ(::dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_FALSE(in.is_regular());
  Scanner scanner;
  const auto s = scanner.scan(in, mapio::TextCounter(true, true));
  writer.join();
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(scanner.last_route(), Scanner::Route::read);
  EXPECT_EQ(s.bytes, text.size());
  EXPECT_EQ(s.lines, reference(text).lines);
  EXPECT_EQ(s.words.words, reference(text).words);
}

}  // namespace

namespace mapio {
namespace {

// How much of `path` a fresh mapping of it takes in 2 MiB page-table entries, as the kernel tells
// (/proc/self/smaps, through Mapping::huge_page_bytes): the oracle the policy's own probe, which
// counts faults, is checked against.
double huge_mapped_share(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  file.populate();
  return static_cast<double>(file.huge_page_bytes()) / static_cast<double>(file.size());
}

TEST(Scanner, AHotFileIsMappedWhenItsPageCacheMapsIn2MiBPiecesAndCopiedOutOtherwise) {
  test::ScratchDir dir;
  struct statfs fs {};
  if (::statfs(dir.path().c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
    GTEST_SKIP() << "on tmpfs a file cannot leave the page cache";
  }
  std::string text;
  for (int i = 0; text.size() < (std::size_t{128} << 20); ++i) text += "line " + std::to_string(i) + " of the policy test\n";
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  // The same text twice: in one write(), and in 4 KiB writes, as a pipe delivers it (`yes | head`).
  const auto one_write = dir.write("one-write", text);
  const auto small_writes = dir / "small-writes";
  {
    auto out = FileDescriptor::open(small_writes, O_WRONLY | O_CREAT | O_TRUNC);
    for (std::size_t at = 0; at < text.size(); at += 4096) {
      const std::size_t n = std::min<std::size_t>(4096, text.size() - at);
      ASSERT_EQ(::write(out.get(), text.data() + at, n), static_cast<ssize_t>(n));
    }
  }
  InputOptions options = with(InputMethod::automatic, 2, std::uint64_t{16} << 20);
  options.map_threshold = std::uint64_t{1} << 20;
  Scanner scanner(options);
  const auto route_of = [&](const std::filesystem::path& path) {
    auto in = Input::open(path);
    EXPECT_EQ(scanner.scan(in, LineCounter{}).count, lines) << path;
    return scanner.last_route();
  };
  // The policy's probe against the kernel's account of the same page cache.
  const auto check_hot = [&](const std::filesystem::path& path, const char* state) {
    const double share = huge_mapped_share(path);
    std::cout << path.filename().string() << ", " << state << ": " << share * 100
              << "% of the file maps in 2 MiB entries\n";
    if (share >= 0.75) {
      EXPECT_EQ(route_of(path), Scanner::Route::mapped) << state;
    } else if (share <= 0.25) {
      EXPECT_EQ(route_of(path), Scanner::Route::copied_out) << state;
    }  // in between the policy may go either way
  };

  check_hot(one_write, "just written");
  check_hot(small_writes, "just written");
  for (const auto& path : {one_write, small_writes}) {
    evict_from_page_cache(path);
    EXPECT_EQ(route_of(path), Scanner::Route::mapped) << path << " cold";  // readahead sets the pace
    evict_from_page_cache(path);
    ASSERT_EQ(test::read_with_read(path).size(), text.size());
    check_hot(path, "read back from disk");
  }

  // What route_for() and method_for() say is what the scan then does, hot or cold.
  for (const auto& path : {one_write, small_writes}) {
    for (const bool cold : {false, true}) {
      if (cold) evict_from_page_cache(path);
      auto input = Input::open(path);
      const auto predicted = scanner.route_for(input);
      EXPECT_EQ(scanner.method_for(input), predicted == Scanner::Route::mapped ? InputMethod::map : InputMethod::read);
      if (cold) evict_from_page_cache(path);  // the prediction's probe reads nothing in; be sure
      EXPECT_EQ(route_of(path), predicted) << path << (cold ? " cold" : " hot");
    }
  }

  // Small inputs are read, whatever the cache holds.
  const auto small = dir.write("small", "one\ntwo\n");
  auto in = Input::open(small);
  EXPECT_EQ(scanner.scan(in, LineCounter{}).count, 2u);
  EXPECT_EQ(scanner.last_route(), Scanner::Route::read);
}

}  // namespace
}  // namespace mapio
