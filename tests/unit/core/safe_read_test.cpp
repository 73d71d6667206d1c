// Reads that survive truncation: another process shrinks a mapped file in the middle of a read; the
// read returns an error instead of the process dying of SIGBUS. Faults mapio does not guard still
// kill, and a handler that was installed before mapio's still gets them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::ScratchDir;

/// A child process that truncates `path` to one page each time it is asked (one byte on `requests`)
/// and answers on `acks` when done: the truncation happens in another process, at a moment the test
/// chooses.
class Truncator {
 public:
  explicit Truncator(const std::filesystem::path& path) {
    int to_child[2], to_parent[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(to_parent, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(to_parent[0]);
      int fd = ::open(path.c_str(), O_RDWR);
      char request;
      while (::read(to_child[0], &request, 1) == 1) {
        if (::ftruncate(fd, static_cast<off_t>(page_size())) != 0) ::_exit(2);
        if (::write(to_parent[1], "t", 1) != 1) ::_exit(3);
      }
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    requests_ = to_child[1];
    acks_ = to_parent[0];
  }
  ~Truncator() {
    ::close(requests_);
    ::close(acks_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  /// Returns once the other process has truncated the file.
  void truncate_now() const {
    char ack;
    if (::write(requests_, "r", 1) != 1 || ::read(acks_, &ack, 1) != 1) std::abort();
  }

 private:
  pid_t pid_ = -1;
  int requests_ = -1;
  int acks_ = -1;
};

std::filesystem::path four_page_file(const ScratchDir& dir) {
  return dir.write("victim", std::string(4 * page_size(), 'x'));
}

void regrow(const std::filesystem::path& path) {
  std::filesystem::resize_file(path, 4 * page_size());
}

TEST(SafeRead, ScanTruncatedByAnotherProcessMidwayReturnsAnError1000Times) {
  ScratchDir dir;
  auto path = four_page_file(dir);
  Truncator truncator(path);
  const std::size_t page = page_size();
  for (int round = 0; round < 1000; ++round) {
    regrow(path);
    auto file = MappedFile::open(path);
    std::size_t chunks_finished = 0;
    std::size_t bytes_offered = 0;
    try {
      // One page per chunk; after the first chunk the other process cuts the file to one page.
      file.scan_safely(
          [&](std::span<const std::byte> chunk) {
            bytes_offered += chunk.size();
            volatile std::byte sink = chunk.back();  // touch the chunk's last page
            (void)sink;
            if (chunks_finished++ == 0) truncator.truncate_now();
          },
          0, Mapping::whole, page);
      FAIL() << "round " << round << ": the scan finished although the file was truncated";
    } catch (const Error& e) {
      ASSERT_EQ(e.errno_value(), EFAULT) << e.what();
      ASSERT_NE(std::string(e.what()).find(fmt::format("the page at offset {} is gone", page)), std::string::npos)
          << e.what();
    }
    // The second chunk was offered and faulted on its first touch: exactly one chunk finished.
    ASSERT_EQ(chunks_finished, 1u) << "round " << round;
    ASSERT_EQ(bytes_offered, 2 * page);
  }
}

TEST(SafeRead, CopyOutAfterTruncationReturnsAnErrorAndKeepsTheGoodPart) {
  ScratchDir dir;
  auto path = four_page_file(dir);
  Truncator truncator(path);
  const std::size_t page = page_size();
  std::string out(4 * page, '\0');
  std::span<std::byte> buffer(reinterpret_cast<std::byte*>(out.data()), out.size());
  for (int round = 0; round < 1000; ++round) {
    regrow(path);
    auto file = MappedFile::open(path);
    file.read_safely(0, buffer.first(page));                 // before: fine
    truncator.truncate_now();
    file.read_safely(page - 10, buffer.first(10));           // still inside the file: fine
    try {
      file.read_safely(page / 2, buffer.subspan(0, 2 * page));  // crosses into the lost page
      FAIL() << "round " << round << ": read past the new end succeeded";
    } catch (const Error& e) {
      ASSERT_EQ(e.errno_value(), EFAULT) << e.what();
      ASSERT_EQ(e.operation(), "read");
    }
  }
}

TEST(SafeRead, EarlyStopAndRangeChecks) {
  ScratchDir dir;
  auto file = MappedFile::open(four_page_file(dir));
  int calls = 0;
  file.scan_safely([&](std::span<const std::byte>) { return ++calls < 2; }, 0, Mapping::whole, page_size());
  EXPECT_EQ(calls, 2);
  std::byte out[8];
  EXPECT_THROW(file.read_safely(file.size() - 4, out), Error);
  EXPECT_THROW(file.scan_safely([](std::span<const std::byte>) {}, file.size() + 1), Error);
}

/// Truncates `path` to `size` bytes in a forked process and waits for it: the cut comes from outside
/// this process, as it would from another program. (The child only calls async-signal-safe
/// functions, so forking while other threads run is fine.)
void truncate_in_another_process(const std::filesystem::path& path, std::size_t size) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(::truncate(path.c_str(), static_cast<off_t>(size)) == 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SafeRead, ThreadsThatFaultTogetherEachRecoverOnTheirOwn) {
  // Eight threads scan one mapping at once. Each copies its first chunk (page 0) and stops, in its
  // scan callback with its guard armed, until all have; then another process cuts the file to one
  // page and they go on, so all eight fault at nearly the same moment. Each must get its own error
  // (the recovery point is per thread) and keep the page it read. Then each reads a different lost
  // page with read_safely, all at once, and must be told about its own page, not a neighbour's.
  constexpr int threads = 8;
  constexpr int rounds = 40;
  const std::size_t page = page_size();
  ScratchDir dir;
  const std::string contents = test::patterned((threads + 1) * page);
  auto path = dir.write("shared", contents);
  std::barrier sync(threads + 1);
  const MappedFile* file = nullptr;  // set by the main thread before each round's first barrier
  std::vector<std::string> first_chunk(threads), scan_error(threads), read_error(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string chunk_copy(page, '\0');
      std::byte lost[16];
      for (int round = 0; round < rounds; ++round) {
        sync.arrive_and_wait();  // the round's mapping is ready
        std::size_t chunks = 0;
        try {
          file->scan_safely(
              [&](std::span<const std::byte> chunk) {
                if (chunks++ == 0) {
                  std::memcpy(chunk_copy.data(), chunk.data(), chunk.size());
                  sync.arrive_and_wait();  // all have read page 0
                  sync.arrive_and_wait();  // the file has been cut
                  return;
                }
                volatile std::byte sink = chunk[0];  // page 1: gone
                (void)sink;
              },
              0, Mapping::whole, page);
          scan_error[t] = "no error";
        } catch (const Error& e) {
          scan_error[t] = e.what();
        }
        first_chunk[t] = chunk_copy;
        const std::size_t mine = static_cast<std::size_t>(t + 1) * page;  // a lost page of its own
        try {
          file->read_safely(mine + static_cast<std::size_t>(t), lost);
          read_error[t] = "no error";
        } catch (const Error& e) {
          read_error[t] = e.what();
        }
        sync.arrive_and_wait();  // done: the main thread checks and unmaps
      }
    });
  }
  for (int round = 0; round < rounds; ++round) {
    std::filesystem::resize_file(path, contents.size());  // page 0 survived the last cut; the rest is zeros
    auto mapped = MappedFile::open(path);
    file = &mapped;
    sync.arrive_and_wait();  // go
    sync.arrive_and_wait();  // every thread holds page 0
    truncate_in_another_process(path, page);
    sync.arrive_and_wait();  // go on into the lost pages
    sync.arrive_and_wait();  // every thread is done
    // EXPECT, not ASSERT: the workers wait at the next round's barrier and must be let through.
    if (::testing::Test::HasFailure()) continue;  // one round's report is enough
    for (int t = 0; t < threads; ++t) {
      EXPECT_EQ(first_chunk[t], contents.substr(0, page)) << "thread " << t << ", round " << round;
      EXPECT_NE(scan_error[t].find(fmt::format("scan {} [offset 0, length {}]", path.string(), contents.size())),
                std::string::npos)
          << "thread " << t << ": " << scan_error[t];
      EXPECT_NE(scan_error[t].find(fmt::format("the page at offset {} is gone", page)), std::string::npos)
          << "thread " << t << ": " << scan_error[t];
      const std::size_t mine = static_cast<std::size_t>(t + 1) * page;
      EXPECT_NE(read_error[t].find(fmt::format("read {} [offset {}, length 16]", path.string(), mine + t)),
                std::string::npos)
          << "thread " << t << ": " << read_error[t];
      EXPECT_NE(read_error[t].find(fmt::format("the page at offset {} is gone", mine)), std::string::npos)
          << "thread " << t << ": " << read_error[t];
    }
    file = nullptr;
  }
  for (auto& worker : workers) worker.join();
}

TEST(SafeRead, InstallingArmingDisarmingAndFaultingAllAtOnceStayEachThreadsOwn) {
  // The guard's concurrency, checked under ASan where ThreadSanitizer cannot run it (docs/testing.md):
  // in a fresh child process, so that no handler is installed yet, sixteen threads start at one
  // barrier. Their first guarded reads race the handler's installation; then, for many rounds, half
  // of them arm and disarm guards over a page that is there (each read must return the page's bytes)
  // while the other half fault on pages that are gone (each must get its own page's error), and
  // new threads replace old ones each round, so thread-local state comes and goes mid-stream.
  constexpr int threads = 16;
  constexpr int rounds = 6;
  constexpr int reads = 400;
  const std::size_t page = page_size();
  ScratchDir dir;
  const std::string contents = test::patterned((threads + 1) * page);
  auto path = dir.write("shared", contents);
  const pid_t child = ::fork();
  if (child == 0) {
    auto file = MappedFile::open(path);
    std::filesystem::resize_file(path, page);  // every page but the first is gone
    std::atomic<int> failures{0};
    for (int round = 0; round < rounds; ++round) {
      std::barrier start(threads);
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          start.arrive_and_wait();
          std::byte bytes[16];
          for (int i = 0; i < reads; ++i) {
            const std::size_t at = t % 2 == 0 ? static_cast<std::size_t>(t + i) % (page - 16)
                                              : static_cast<std::size_t>(t) * page + static_cast<std::size_t>(i % 64);
            try {
              file.read_safely(at, bytes);
              if (t % 2 != 0 || std::memcmp(bytes, contents.data() + at, sizeof bytes) != 0) ++failures;
            } catch (const Error& e) {
              const std::string gone = fmt::format("the page at offset {} is gone", static_cast<std::size_t>(t) * page);
              if (t % 2 == 0 || std::string(e.what()).find(gone) == std::string::npos) ++failures;
            }
          }
        });
      }
      for (auto& worker : workers) worker.join();
    }
    ::_exit(failures == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << "a read got another thread's answer";
}

TEST(SafeReadDeathTest, PlainAccessToALostPageStillDiesOfSigbus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  MAPIO_EXPECT_KILLED_BY(
      {
        auto file = MappedFile::open(path);
        std::byte out[1];
        file.read_safely(0, out);  // mapio's handler is installed now
        std::filesystem::resize_file(path, 0);
        volatile std::byte touch = file.bytes()[2 * page_size()];  // not guarded: must die as usual
        (void)touch;
      },
      SIGBUS);
}

void users_own_handler(int, siginfo_t*, void*) {
  static const char message[] = "previous handler ran\n";
  (void)!::write(2, message, sizeof message - 1);
  ::_exit(42);
}

// The program's own SIGBUS handler, installed before mapio installs its own.
void install_users_own_handler() {
  struct sigaction action {};
  action.sa_sigaction = users_own_handler;
  action.sa_flags = SA_SIGINFO;
  ::sigaction(SIGBUS, &action, nullptr);
}

TEST(SafeReadDeathTest, FaultsOutsideTheGuardGoToTheHandlerInstalledBefore) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  EXPECT_EXIT(
      {
        install_users_own_handler();
        auto file = MappedFile::open(path);
        std::byte out[1];
        file.read_safely(0, out);
        std::filesystem::resize_file(path, 0);
        try {
          file.read_safely(page_size(), out);  // guarded: an error, the user's handler is not called
        } catch (const Error&) {
          volatile std::byte touch = file.bytes()[page_size()];  // unguarded: the user's handler
          (void)touch;
        }
      },
      ::testing::ExitedWithCode(42), "previous handler ran");
}

// Eight threads make mapio's first guarded read at the same moment, so that they race to install
// its SIGBUS handler. Had one of them recorded mapio's own handler as "the one before", an
// unguarded fault would never reach the user's handler (or the default action).
void first_guarded_reads_together(const MappedFile& file) {
  std::barrier start(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      std::byte out[1];
      start.arrive_and_wait();
      file.read_safely(0, out);
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST(SafeReadDeathTest, RacingFirstInstallsStillPassUnguardedFaultsOn) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  EXPECT_EXIT(
      {
        install_users_own_handler();
        auto file = MappedFile::open(path);
        first_guarded_reads_together(file);
        std::filesystem::resize_file(path, 0);
        volatile std::byte touch = file.bytes()[page_size()];  // unguarded: the user's handler
        (void)touch;
      },
      ::testing::ExitedWithCode(42), "previous handler ran");
  regrow(path);
  MAPIO_EXPECT_KILLED_BY(
      {
        auto file = MappedFile::open(path);
        first_guarded_reads_together(file);
        std::filesystem::resize_file(path, 0);
        volatile std::byte touch = file.bytes()[page_size()];  // unguarded: dies as usual
        (void)touch;
      },
      SIGBUS);
}

TEST(SafeReadDeathTest, AnotherThreadsGuardDoesNotCoverAnUnguardedAccess) {
  // One thread sits inside a guarded scan of the whole mapping (blocked in its callback, its
  // recovery point armed over every page); the main thread touches a lost page of that same range
  // without a guard. The guard belongs to the other thread only: the main thread must die of SIGBUS.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  MAPIO_EXPECT_KILLED_BY(
      {
        auto file = MappedFile::open(path);
        std::filesystem::resize_file(path, page_size());
        std::barrier inside(2);
        std::thread scanner([&] {
          file.scan_safely(
              [&](std::span<const std::byte>) {
                inside.arrive_and_wait();
                ::pause();  // stays in the guarded scan until the process ends
              },
              0, Mapping::whole, page_size());
        });
        inside.arrive_and_wait();
        volatile std::byte touch = file.bytes()[2 * page_size()];
        (void)touch;
        scanner.join();
      },
      SIGBUS);
}

void plain_handler(int signal) {
  static const char message[] = "plain handler ran\n";
  (void)!::write(2, message, sizeof message - 1);
  ::_exit(signal == SIGBUS ? 43 : 44);
}

/// Installs mapio's handler over whatever is there now, and checks that a guarded read of a lost
/// page is still an error (so the one installed before is bypassed for faults mapio guards).
void install_mapio_over_current_handler(const MappedFile& file) {
  std::byte out[1];
  file.read_safely(0, out);
  try {
    file.read_safely(2 * page_size(), out);
    std::fprintf(stderr, "guarded read of a lost page succeeded\n");
    ::_exit(2);
  } catch (const Error& e) {
    if (e.errno_value() != EFAULT) ::_exit(3);
  }
}

/// For a death test's child: `handler` takes SIGBUS, then `path` is mapped, cut to one page, and
/// mapio's handler is put over `handler`. Pages 1-3 of the returned mapping are lost.
MappedFile lose_pages_under(const std::filesystem::path& path, void (*handler)(int)) {
  ::signal(SIGBUS, handler);
  auto file = MappedFile::open(path);
  std::filesystem::resize_file(path, page_size());
  install_mapio_over_current_handler(file);
  return file;
}

TEST(SafeReadDeathTest, APlainHandlerInstalledBeforeGetsUnguardedFaults) {
  // A handler installed with signal(2) (no SA_SIGINFO) takes one argument; mapio must call it so.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  EXPECT_EXIT(
      {
        auto file = lose_pages_under(path, plain_handler);
        volatile std::byte touch = file.bytes()[2 * page_size()];  // unguarded: the plain handler
        (void)touch;
      },
      ::testing::ExitedWithCode(43), "plain handler ran");
  EXPECT_EXIT(
      {
        auto file = lose_pages_under(path, plain_handler);
        ::raise(SIGBUS);  // not a fault: goes to the plain handler as well
      },
      ::testing::ExitedWithCode(43), "plain handler ran");
}

TEST(SafeReadDeathTest, AnIgnoredSigbusStaysIgnoredUnlessItIsARealFault) {
  // SIG_IGN before mapio: a SIGBUS sent by raise() or kill() is still ignored, as it was without
  // mapio. A real fault cannot be ignored (the access would repeat forever): it kills.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir{ScratchDir::SharedWithDeathTestChild{}};
  auto path = four_page_file(dir);
  EXPECT_EXIT(
      {
        auto file = lose_pages_under(path, SIG_IGN);
        ::raise(SIGBUS);
        ::kill(::getpid(), SIGBUS);
        sigval value{};
        ::sigqueue(::getpid(), SIGBUS, value);
        install_mapio_over_current_handler(file);  // the guard still works after them
        std::fprintf(stderr, "still alive\n");
        std::fflush(stderr);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "still alive");
  MAPIO_EXPECT_KILLED_BY(
      {
        auto file = lose_pages_under(path, SIG_IGN);
        volatile std::byte touch = file.bytes()[2 * page_size()];  // unguarded real fault
        (void)touch;
        std::fprintf(stderr, "survived a real fault\n");
        ::_exit(0);
      },
      SIGBUS);
}

}  // namespace
}  // namespace mapio
