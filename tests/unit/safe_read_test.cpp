// Reads that survive truncation: another process shrinks a mapped file in the middle of a read; the
// read returns an error instead of the process dying of SIGBUS. Faults mapio does not guard still
// kill, and a handler that was installed before mapio's still gets them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "mapio/error.hpp"
#include "mapio/file.hpp"
#include "mapio/page.hpp"
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

TEST(SafeReadDeathTest, PlainAccessToALostPageStillDiesOfSigbus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir;
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

TEST(SafeReadDeathTest, FaultsOutsideTheGuardGoToTheHandlerInstalledBefore) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchDir dir;
  auto path = four_page_file(dir);
  EXPECT_EXIT(
      {
        struct sigaction action {};
        action.sa_sigaction = users_own_handler;
        action.sa_flags = SA_SIGINFO;
        ::sigaction(SIGBUS, &action, nullptr);
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

}  // namespace
}  // namespace mapio
