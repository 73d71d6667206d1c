// The system-call layer: EINTR retried (a real signal interrupting a real blocking call), whole
// buffers moved despite short transfers, ends of files and errors reported as they happened.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/syscall.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using namespace std::chrono_literals;
using test::ScratchDir;

std::atomic<int> alarms{0};

// SIGALRM without SA_RESTART, repeating every 10 ms while it lives: a blocking call in this
// thread fails with EINTR unless someone retries it.
class Interruptions {
 public:
  Interruptions() {
    alarms = 0;
    struct sigaction action {};
    action.sa_handler = [](int) { alarms.fetch_add(1); };
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    ::sigaction(SIGALRM, &action, &old_);
    itimerval every{{0, 10000}, {0, 10000}};
    ::setitimer(ITIMER_REAL, &every, nullptr);
  }
  ~Interruptions() {
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &old_, nullptr);
  }

 private:
  struct sigaction old_ {};
};

struct Pipe {
  Pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read_end = FileDescriptor(ends[0], "pipe");
    write_end = FileDescriptor(ends[1], "pipe");
  }
  FileDescriptor read_end, write_end;
};

std::span<const std::byte> bytes_of(std::string_view text) { return std::as_bytes(std::span(text)); }

TEST(Syscall, AnInterruptedReadIsRetriedUntilTheDataComes) {
  Pipe pipe;
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(::write(pipe.write_end.get(), "late", 4), 4);
  });
  std::array<std::byte, 16> buffer{};
  ssize_t n;
  {
    Interruptions signals;
    n = sys::read(pipe.read_end.get(), buffer);
  }
  writer.join();
  EXPECT_GT(alarms.load(), 0) << "the read was never interrupted: the test proves nothing";
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::memcmp(buffer.data(), "late", 4), 0);
}

TEST(Syscall, RetryInterruptedRetriesAnyCallThatFailsWithEintr) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::usleep(100000);
    ::_exit(7);
  }
  int status = 0;
  pid_t waited;
  {
    Interruptions signals;
    waited = sys::retry_interrupted([&] { return ::waitpid(child, &status, 0); });
  }
  EXPECT_GT(alarms.load(), 0);
  ASSERT_EQ(waited, child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(Syscall, RetryInterruptedReturnsOtherFailuresAsTheyCame) {
  int calls = 0;
  const int result = sys::retry_interrupted([&] {
    ++calls;
    errno = calls < 3 ? EINTR : EBADF;
    return -1;
  });
  EXPECT_EQ(result, -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(calls, 3);
}

TEST(Syscall, AWaitForReadabilitySurvivesInterruptionsAndKeepsItsDeadline) {
  Pipe pipe;
  const auto start = std::chrono::steady_clock::now();
  int ready;
  {
    Interruptions signals;
    ready = sys::wait_readable(pipe.read_end.get(), 150ms);
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GT(alarms.load(), 0);
  EXPECT_EQ(ready, 0);
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
  ASSERT_EQ(::write(pipe.write_end.get(), "x", 1), 1);
  EXPECT_EQ(sys::wait_readable(pipe.read_end.get(), 1s), 1);
}

TEST(Syscall, PreadExactReadsAcrossShortReadsAndStopsAtTheEnd) {
  ScratchDir dir;
  const auto path = dir.write("ten", "0123456789");
  const auto fd = FileDescriptor::open(path, O_RDONLY);
  std::array<std::byte, 6> part{};
  auto got = sys::pread_exact(fd.get(), part, 2);
  EXPECT_EQ(got.error, 0);
  EXPECT_EQ(got.done, 6u);
  EXPECT_EQ(std::memcmp(part.data(), "234567", 6), 0);
  std::array<std::byte, 8> past{};
  got = sys::pread_exact(fd.get(), past, 7);
  EXPECT_EQ(got.error, 0);
  EXPECT_EQ(got.done, 3u) << "the file ends after 3 bytes";
  got = sys::pread_exact(-1, past, 0);
  EXPECT_EQ(got.error, EBADF);
  EXPECT_EQ(got.done, 0u);
}

TEST(Syscall, PreadExactReportsADescriptorThatCannotSeek) {
  // A pipe has no offsets: ESPIPE, reported, not retried.
  Pipe pipe;
  std::array<std::byte, 4> buffer{};
  const auto got = sys::pread_exact(pipe.read_end.get(), buffer, 0);
  EXPECT_EQ(got.error, ESPIPE);
}

TEST(Syscall, WriteExactMovesMoreThanAPipeTakesAtOnce) {
  Pipe pipe;
  // More than the pipe's buffer (64 KiB): write(2) returns short and the rest must follow.
  const std::string text(std::size_t{1} << 20, 'w');
  std::string received;
  std::thread reader([&] {
    std::array<char, 4096> chunk;
    ssize_t n;
    while ((n = ::read(pipe.read_end.get(), chunk.data(), chunk.size())) > 0) received.append(chunk.data(), static_cast<std::size_t>(n));
  });
  const auto put = sys::write_exact(pipe.write_end.get(), bytes_of(text));
  pipe.write_end.reset();
  reader.join();
  EXPECT_EQ(put.error, 0);
  EXPECT_EQ(put.done, text.size());
  EXPECT_EQ(received, text);
}

TEST(Syscall, PwriteExactWritesAtTheOffsetAndReportsErrors) {
  ScratchDir dir;
  const auto path = dir.write("page", std::string(16, '.'));
  {
    const auto fd = FileDescriptor::open(path, O_RDWR);
    const auto put = sys::pwrite_exact(fd.get(), bytes_of("mapio"), 4);
    EXPECT_EQ(put.error, 0);
    EXPECT_EQ(put.done, 5u);
  }
  EXPECT_EQ(test::read_with_read(path), "....mapio.......");
  const auto read_only = FileDescriptor::open(path, O_RDONLY);
  const auto refused = sys::pwrite_exact(read_only.get(), bytes_of("x"), 0);
  EXPECT_EQ(refused.error, EBADF);
  EXPECT_EQ(refused.done, 0u);
}

TEST(Syscall, OpenAddsCloseOnExecAndReportsFailureByErrno) {
  ScratchDir dir;
  const auto path = dir.write("f", "x");
  const FileDescriptor fd(sys::open(path, O_RDONLY), path.string());
  ASSERT_TRUE(fd.valid());
  EXPECT_NE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  errno = 0;
  EXPECT_EQ(sys::open(dir.path() / "missing", O_RDONLY), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST(Syscall, IoctlPassesItsArgumentAndReportsFailureByErrno) {
  Pipe pipe;
  ASSERT_EQ(::write(pipe.write_end.get(), "abc", 3), 3);
  int queued = 0;
  EXPECT_EQ(sys::ioctl(pipe.read_end.get(), FIONREAD, &queued), 0);
  EXPECT_EQ(queued, 3);
  errno = 0;
  EXPECT_EQ(sys::ioctl(pipe.read_end.get(), TCGETS, &queued), -1);
  EXPECT_EQ(errno, ENOTTY);
  EXPECT_EQ(sys::ioctl(-1, FIONREAD, 0ul), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace mapio
