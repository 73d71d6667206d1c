#include "mapio/core/file.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>
#include <functional>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"
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

/// `f` must throw a mapio::Error with errno `err` whose message names the operation, the thing it
/// was applied to (`subject`: a path, or "fd N" for a descriptor) and the reason (`reason`).
void expect_error(const std::function<void()>& f, int err, const std::string& operation, const std::string& subject,
                  const std::string& reason) {
  try {
    f();
    ADD_FAILURE() << "no error; expected errno " << err << " from " << operation << " " << subject;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.errno_value(), err) << what;
    EXPECT_EQ(e.operation(), operation) << what;
    EXPECT_EQ(what.rfind(operation + " ", 0), 0u) << "the message does not start with the operation: " << what;
    EXPECT_NE(e.subject().find(subject), std::string::npos) << what;
    EXPECT_NE(what.find(subject), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(err)), std::string::npos) << "no errno text: " << what;
  }
}

TEST(MappedFile, BadInputIsAClearError) {
  ScratchDir dir;
  auto path = dir.write("f", "0123456789");
  const std::string missing = (dir / "missing").string();
  expect_error([&] { MappedFile::open(missing); }, ENOENT, "open", missing, "No such file");
  expect_error([&] { MappedFile::open(dir.path()); }, EISDIR, "map", dir.path().string(), "a directory cannot be mapped");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(11)); }, ERANGE, "map", path.string() + " [offset 11]",
               "past the end");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(5).length(6)); }, ERANGE, "map",
               path.string() + " [offset 5, length 6]", "past the end");
  expect_error([&] { MappedFile::open(path, FileOptions().offset(5).length(~std::uint64_t{0})); }, EOVERFLOW, "map",
               path.string() + " [offset 5, length", "overflow");
  expect_error([&] { MappedFile::open("/proc/self/status"); }, ENODEV, "map", "/proc/self/status", "procfs");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  expect_error([&] { MappedFile::open(dir / "fifo"); }, ENODEV, "map", (dir / "fifo").string(), "a pipe");
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  // Opened by descriptor, the subject is the caller's descriptor number, or the description given.
  expect_error([&] { MappedFile::open(sv[0]); }, ENODEV, "map", "fd " + std::to_string(sv[0]), "a socket");
  expect_error([&] { MappedFile::open(sv[0], FileOptions(), "peer socket"); }, ENODEV, "map", "peer socket",
               "a socket");
  ::close(sv[0]);
  ::close(sv[1]);
  auto ro = MappedFile::open(path);
  expect_error([&] { ro.protect(Protection::read_write); }, EACCES, "mprotect", path.string(), "");
}

TEST(MappedFile, PermissionDeniedIsAClearErrorEvenForRoot) {
  // Root reads any file (CAP_DAC_OVERRIDE), so the refusal is checked in a child that gives up root
  // and opens a 0600 file it does not own. The directory is opened up so that only the file's own
  // mode refuses.
  ScratchDir dir;
  auto path = dir.write("private", "secret");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(path.c_str(), 0), 0);  // not root: the owner refuses the file to itself
  }
  auto child = test::run_unprivileged([&]() -> std::string {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "the directory is not searchable, so the test would prove nothing";
    try {
      MappedFile::open(path);
      return "no error";
    } catch (const Error& e) {
      return std::to_string(e.errno_value()) + "|" + e.operation() + "|" + e.what();
    }
  });
  ASSERT_EQ(child.status, 0) << "the child failed (3: could not drop root): " << child.message;
  EXPECT_EQ(child.message.substr(0, child.message.find('|')), std::to_string(EACCES)) << child.message;
  EXPECT_NE(child.message.find("|open|open " + path.string() + ": Permission denied"), std::string::npos)
      << child.message;
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
