// MappedFile::refresh(): a reader follows a file that another process grows (or cuts).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::as_text;
using test::ScratchDir;

// A second process that appends `lines` lines to `path` with write(2), one each time the parent
// writes a byte to `go`, and answers each with a byte on `done`.
struct Appender {
  pid_t pid = -1;
  int go = -1;
  int done = -1;

  Appender(const std::filesystem::path& path, int lines) {
    int to_child[2], to_parent[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(to_parent, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      char byte = 0;
      for (int i = 0; i < lines; ++i) {
        if (::read(to_child[0], &byte, 1) != 1) ::_exit(2);
        // Each append crosses a page boundary sooner or later: 1000 bytes a line.
        std::string line(999, static_cast<char>('a' + i % 26));
        line += '\n';
        if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(1);
        if (::write(to_parent[1], &byte, 1) != 1) ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    go = to_child[1];
    done = to_parent[0];
  }
  // Asks the child for one more line and waits until it is in the file.
  void append_one() const {
    char byte = 1;
    ASSERT_EQ(::write(go, &byte, 1), 1);
    ASSERT_EQ(::read(done, &byte, 1), 1);
  }
  int finish() {
    ::close(go);
    ::close(done);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
};

TEST(MappedFileRefresh, FollowsAFileThatAnotherProcessAppendsTo) {
  ScratchDir dir;
  const auto path = dir.write("app.log", "");
  auto log = MappedFile::open(path);
  ASSERT_TRUE(log.empty());
  Appender writer(path, 12);
  std::string expected;
  for (int i = 0; i < 12; ++i) {
    writer.append_one();
    expected += std::string(999, static_cast<char>('a' + i % 26)) + '\n';
    const std::size_t seen = log.size();
    EXPECT_EQ(log.size(), expected.size() - 1000) << "the mapping grows only when asked";
    log.refresh();
    ASSERT_EQ(log.size(), expected.size());
    EXPECT_EQ(as_text(log.bytes().subspan(seen)), std::string_view(expected).substr(seen)) << "line " << i;
  }
  EXPECT_EQ(as_text(log.bytes()), expected);
  EXPECT_FALSE(log.writable());
  const int status = writer.finish();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(MappedFileRefresh, FollowsACutAndKeepsTheOffset) {
  ScratchDir dir;
  const std::string contents = test::patterned(3 * page_size() + 10);
  const auto path = dir.write("cut.bin", contents);
  auto tail = MappedFile::open(path, FileOptions().offset(100));
  ASSERT_EQ(tail.size(), contents.size() - 100);
  // Another process cuts the file to one page: the mapping follows, so no byte past the end is
  // left to fault on.
  const pid_t cutter = ::fork();
  if (cutter == 0) ::_exit(::truncate(path.c_str(), static_cast<off_t>(page_size())) == 0 ? 0 : 1);
  int status = -1;
  ASSERT_EQ(::waitpid(cutter, &status, 0), cutter);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  tail.refresh();
  EXPECT_EQ(tail.size(), page_size() - 100);
  EXPECT_EQ(tail.offset(), 100u);
  EXPECT_EQ(as_text(tail.bytes()), std::string_view(contents).substr(100, page_size() - 100));
  // Cut below the offset: nothing from there on, an empty mapping; it maps again once the file grows.
  ASSERT_EQ(::truncate(path.c_str(), 50), 0);
  tail.refresh();
  EXPECT_TRUE(tail.empty());
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const std::string more(200, 'z');
    ASSERT_EQ(::write(fd, more.data(), more.size()), 200);
    ::close(fd);
  }
  tail.refresh();
  EXPECT_EQ(tail.size(), 150u);
  EXPECT_EQ(as_text(tail.bytes()), std::string(150, 'z'));
}

TEST(MappedFileRefresh, AChosenLengthMustBeInTheFile) {
  ScratchDir dir;
  const auto path = dir.write("short.txt", "0123456789");
  auto file = MappedFile::open(path, FileOptions().offset(2).length(3));
  file.refresh(6);
  EXPECT_EQ(as_text(file.bytes()), "234567");
  try {
    file.refresh(9);
    FAIL() << "refresh past the end of the file succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
    EXPECT_NE(std::string(e.what()).find("refresh"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("short.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("holds 10 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(as_text(file.bytes()), "234567") << "a refused refresh leaves the mapping as it was";
}

TEST(MappedFileRefresh, ARangePastTheEndTellsAReaderToRefreshAndAWriterToResize) {
  ScratchDir dir;
  const auto path = dir.write("ten.txt", "0123456789");
  for (const Access access : {Access::read_only, Access::copy_on_write, Access::read_write}) {
    try {
      (void)MappedFile::open(path, FileOptions().access(access).length(20));
      FAIL() << "a range past the end mapped";
    } catch (const Error& e) {
      EXPECT_EQ(e.errno_value(), ERANGE);
      const std::string what = e.what();
      if (access == Access::read_write) {
        EXPECT_NE(what.find("resize()"), std::string::npos) << what;
      } else {
        EXPECT_EQ(what.find("resize()"), std::string::npos) << "a reader cannot resize: " << what;
        EXPECT_NE(what.find("refresh()"), std::string::npos) << what;
      }
    }
  }
}

}  // namespace
}  // namespace mapio
