// Process identities as channels record them: the pid and the kernel's start time of the process,
// read from /proc, so that a pid given to another process is not taken for the peer.
#include "ipc/process_identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "channel_support.hpp"

namespace {

using mapio::ipc::detail::alive;
using mapio::ipc::detail::Identity;
using mapio::ipc::detail::self_identity;

// Field 22 of /proc/PID/stat (the start time), counted after the command's closing parenthesis.
std::uint64_t start_time_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;
  return std::stoull(field);
}

TEST(ProcessIdentity, IsThisProcessAndStaysTheSameWhenAskedAgain) {
  const Identity me = self_identity();
  EXPECT_EQ(me.pid, ::getpid());
  EXPECT_EQ(me.start_time, static_cast<std::uint32_t>(start_time_of(::getpid())));
  EXPECT_EQ(self_identity().word(), me.word());
  EXPECT_TRUE(alive(me));
}

// The identity is remembered per process: a child made by fork() inherits what the parent
// remembered and must still answer with its own pid and start time.
TEST(ProcessIdentity, AForkedChildHasItsOwnNotItsParents) {
  const Identity parent = self_identity();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = mapio::test::child([&] {
    const Identity mine = self_identity();
    const std::uint64_t word = mine.word();
    const bool right = mine.pid == ::getpid() && mine.pid != parent.pid &&
                       mine.start_time == static_cast<std::uint32_t>(start_time_of(::getpid()));
    if (::write(pipe_fds[1], &word, sizeof word) != sizeof word) return 2;
    return right ? 0 : 1;
  });
  std::uint64_t child_word = 0;
  ASSERT_EQ(::read(pipe_fds[0], &child_word, sizeof child_word), static_cast<ssize_t>(sizeof child_word));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  EXPECT_EQ(mapio::test::wait_status(pid), 0) << "the child's identity was its parent's, or not its own";
  const Identity child = Identity::from_word(child_word);
  EXPECT_EQ(child.pid, pid);
  EXPECT_FALSE(alive(child)) << "a child that exited and was reaped is not alive";
  EXPECT_FALSE(alive(Identity{::getpid(), parent.start_time + 1})) << "another start time is another process";
  EXPECT_FALSE(alive(Identity{}));
}

}  // namespace
