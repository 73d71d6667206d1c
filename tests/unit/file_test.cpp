#include "mapio/file.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>

#include "mapio/error.hpp"
#include "mapio/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::as_text;
using test::read_with_read;
using test::ScratchDir;

TEST(MappedFile, MapsWholeFileReadOnly) {
  ScratchDir dir;
  auto path = dir.write("a.txt", "hello\nworld\n");
  auto file = MappedFile::open(path);
  EXPECT_EQ(as_text(file.bytes()), "hello\nworld\n");
  EXPECT_FALSE(file.writable());
  EXPECT_THROW(file.writable_bytes(), Error);
}

TEST(MappedFile, AnyOffsetGivesExactlyTheBytesAskedFor) {
  ScratchDir dir;
  const std::string contents = test::patterned(3 * page_size() + 123);
  auto path = dir.write("p.bin", contents);
  for (std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{4095}, std::uint64_t{4096},
                               std::uint64_t{4097}, std::uint64_t{3 * 4096 + 100}}) {
    const std::uint64_t length = std::min<std::uint64_t>(100, contents.size() - offset);
    auto part = MappedFile::open(path, FileOptions().offset(offset).length(length));
    EXPECT_EQ(part.size(), length);
    EXPECT_EQ(part.offset(), offset);
    EXPECT_EQ(as_text(part.bytes()), std::string_view(contents).substr(offset, length)) << "offset " << offset;
  }
  auto tail = MappedFile::open(path, FileOptions().offset(5000));
  EXPECT_EQ(as_text(tail.bytes()), std::string_view(contents).substr(5000));
}

TEST(MappedFile, SharedWriteReachesTheFileAfterFlush) {
  ScratchDir dir;
  auto path = dir.write("w.txt", "Hello, World! This is memory-mapped.\n");
  {
    auto rw = MappedFile::open(path, FileOptions().access(Access::read_write));
    std::memcpy(rw.writable_data(), "HOWDY", 5);
    rw.flush();
    rw.flush(1, 3, FlushMode::async);
  }
  EXPECT_EQ(read_with_read(path), "HOWDY, World! This is memory-mapped.\n");
}

TEST(MappedFile, CopyOnWriteNeverReachesTheFile) {
  ScratchDir dir;
  auto path = dir.write("c.txt", "original");
  auto cow = MappedFile::open(path, FileOptions().access(Access::copy_on_write));
  std::memcpy(cow.writable_data(), "CHANGED!", 8);
  cow.flush();
  EXPECT_EQ(as_text(cow.bytes()), "CHANGED!");
  auto other = MappedFile::open(path);
  EXPECT_EQ(as_text(other.bytes()), "original");
  EXPECT_EQ(read_with_read(path), "original");
}

TEST(MappedFile, EmptyFileMapsToAnEmptyMapping) {
  ScratchDir dir;
  auto path = dir.write("empty", "");
  auto file = MappedFile::open(path);
  EXPECT_TRUE(file.empty());
  EXPECT_EQ(file.data(), nullptr);
  EXPECT_NO_THROW(file.flush());
  EXPECT_NO_THROW(file.advise(Advice::sequential));
}

void expect_error(const std::function<void()>& f, int err, const std::string& must_contain) {
  try {
    f();
    ADD_FAILURE() << "no error; expected errno " << err;
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), err) << e.what();
    EXPECT_NE(std::string(e.what()).find(must_contain), std::string::npos) << e.what();
  }
}

TEST(MappedFile, BadInputIsAClearError) {
  ScratchDir dir;
  auto path = dir.write("f", "0123456789");
  expect_error([&] { MappedFile::open(dir / "missing"); }, ENOENT, "open " + (dir / "missing").string());
  expect_error([&] { MappedFile::open(dir.path()); }, EISDIR, "directory");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(11)); }, ERANGE, "past the end");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(5).length(6)); }, ERANGE, "past the end");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(5).length(~std::uint64_t{0})); }, EOVERFLOW, "overflow");
  expect_error([&] { MappedFile::open("/proc/self/status"); }, ENODEV, "procfs");
  ::mkfifo((dir / "fifo").c_str(), 0600);
  expect_error([&] { MappedFile::open(dir / "fifo"); }, ENODEV, "a pipe");
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  expect_error([&] { MappedFile::open(sv[0]); }, ENODEV, "a socket");
  ::close(sv[0]);
  ::close(sv[1]);
  if (::geteuid() != 0) {
    ::chmod(path.c_str(), 0);
    expect_error([&] { MappedFile::open(path); }, EACCES, path.string());
  }
  auto ro = MappedFile::open(path);
  expect_error([&] { ro.protect(Protection::read_write); }, EACCES, "mprotect");
}

TEST(MappedFile, OpensByDescriptorAndKeepsItsOwnCopy) {
  ScratchDir dir;
  auto path = dir.write("d", "descriptor");
  int fd = ::open(path.c_str(), O_RDONLY);
  auto file = MappedFile::open(fd);
  ::close(fd);
  EXPECT_EQ(as_text(file.bytes()), "descriptor");
  EXPECT_EQ(file.file_size(), 10u);
}

TEST(MappedFile, ResizeGrowsAndShrinksKeepingContents) {
  ScratchDir dir;
  auto file = MappedFile::create(dir / "grow", 10);
  std::memcpy(file.writable_data(), "0123456789", 10);
  file.resize(3 * page_size() + 5);
  EXPECT_EQ(file.size(), 3 * page_size() + 5);
  EXPECT_EQ(as_text(file.bytes()).substr(0, 10), "0123456789");
  file.writable_bytes().back() = std::byte{'Z'};
  file.flush();
  file.resize(4);
  EXPECT_EQ(as_text(file.bytes()), "0123");
  EXPECT_EQ(read_with_read(dir / "grow"), "0123");
  file.resize(0);
  EXPECT_TRUE(file.empty());
  file.resize(2);
  EXPECT_EQ(file.size(), 2u);
}

}  // namespace
}  // namespace mapio
