// Read-only means read-only: a file or shared memory object opened read-only through mapio keeps a
// read-only descriptor, and nothing its holder does through mapio (resize, protect, seal, a write
// through descriptor()) changes the object's size or bytes. Each case is two real processes: the
// writer creates the object and keeps it mapped, a forked reader opens it read-only and tries every
// mutating call, and the writer then checks (without dying of SIGBUS) that size and bytes are as
// they were. Also the errors for memfd seals, which must name the seal, not the access.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/shared_memory.hpp"
#include "read_only_support.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::as_text;
using test::error_of;
using test::fdinfo_access;
using test::Findings;
using test::in_reader;
using test::kernel_may_write;
using test::store_faults;

/// Every mutating call a read-only holder could try through a shared memory object, each refused.
void try_to_change(Findings& f, SharedMemory& reader, std::size_t size) {
  f.expect(reader.access() != Access::read_write, "the reader's access is read-write");
  f.expect(fdinfo_access(reader.descriptor()) == O_RDONLY,
           fmt::format("fdinfo of descriptor() shows access {}, not O_RDONLY", fdinfo_access(reader.descriptor())));
  f.refused("resize(page)", [&] { reader.resize(page_size()); }, EACCES, "opened read-only");
  f.refused("resize(0)", [&] { reader.resize(0); }, EACCES, "opened read-only");
  f.refused("seal(shrink)", [&] { reader.seal(Seal::shrink); }, EACCES, "opened read-only");
  errno = 0;
  f.expect(::pwrite(reader.descriptor(), "evil", 4, 0) == -1 && errno == EBADF, "pwrite on descriptor() wrote");
  f.expect(::ftruncate(reader.descriptor(), 0) == -1, "ftruncate on descriptor() shrank the object");
  f.expect(::fcntl(reader.descriptor(), F_ADD_SEALS, F_SEAL_WRITE) == -1, "F_ADD_SEALS on descriptor() sealed");
  f.expect(reader.size() == size, "the reader's mapping changed size");
}

constexpr std::size_t pages = 4;

std::string fill(std::span<std::byte> bytes) {
  const std::string pattern = test::patterned(bytes.size());
  std::memcpy(bytes.data(), pattern.data(), pattern.size());
  return pattern;
}

/// The writer's own check after the reader is gone: the object's size (fstat of its descriptor) and
/// its bytes, read under the SIGBUS guard so that a shrunk object is a failure, not a dead test.
void expect_unchanged(const SharedMemory& writer, const std::string& pattern) {
  struct stat st {};
  ASSERT_EQ(::fstat(writer.descriptor(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), pattern.size()) << "the reader changed the object's size";
  std::string now(pattern.size(), '\0');
  try {
    writer.read_safely(0, std::as_writable_bytes(std::span<char>(now)));
  } catch (const Error& e) {
    FAIL() << "the writer lost pages: " << e.what();
  }
  EXPECT_TRUE(now == pattern) << "the reader changed the object's bytes";
}

TEST(ReadOnlySharedMemory, AReaderGivenAWritableMemfdCannotChangeIt) {
  auto writer = SharedMemory::create_memfd("writer", pages * page_size());
  const std::string pattern = fill(writer.writable_bytes());
  ASSERT_EQ(fdinfo_access(writer.descriptor()), O_RDWR);
  const std::string found = in_reader([&](Findings& f) {
    // The descriptor the reader inherited is the writer's own, O_RDWR: mapio must not keep its access.
    auto reader = SharedMemory::from_descriptor(writer.descriptor(), Access::read_only);
    f.expect(as_text(reader.bytes()) == pattern, "the reader does not see the writer's bytes");
    try_to_change(f, reader, pattern.size());
    f.refused("protect(read_write)", [&] { reader.protect(Protection::read_write); }, EACCES, "opened read-only");
    f.refused("protect(write)", [&] { reader.protect(Protection::write); }, EACCES, "opened read-only");
    f.refused("writable_bytes()", [&] { reader.writable_bytes(); }, EACCES, "read-only");
    f.expect(store_faults(reader.data()), "a plain store through the read-only mapping did not fault");
    f.expect(!kernel_may_write(reader.data()), "the kernel would let the reader's mapping become writable (mw)");
    // Read access may still change: what does not write is allowed.
    reader.protect(Protection::none);
    reader.protect(Protection::read);
    f.expect(as_text(reader.bytes()) == pattern, "the reader's view changed");
  });
  EXPECT_EQ(found, "");
  expect_unchanged(writer, pattern);
  writer.writable_bytes()[0] = std::byte{'W'};  // the writer still writes, and lives
  EXPECT_EQ(writer.bytes()[0], std::byte{'W'});
}

TEST(ReadOnlySharedMemory, ACopyOnWriteReaderWritesOnlyItsOwnCopy) {
  auto writer = SharedMemory::create_memfd("cow", pages * page_size());
  const std::string pattern = fill(writer.writable_bytes());
  const std::string found = in_reader([&](Findings& f) {
    auto reader = SharedMemory::from_descriptor(writer.descriptor(), Access::copy_on_write);
    try_to_change(f, reader, pattern.size());
    // Private pages: writable, and the writes stay here.
    reader.writable_bytes()[1] = std::byte{'c'};
    reader.protect(Protection::read);
    reader.protect(Protection::read_write);
    reader.writable_bytes()[2] = std::byte{'c'};
    f.expect(reader.bytes()[1] == std::byte{'c'} && reader.bytes()[2] == std::byte{'c'}, "private writes lost");
  });
  EXPECT_EQ(found, "");
  expect_unchanged(writer, pattern);
}

TEST(ReadOnlySharedMemory, AReaderOfANamedObjectIsRefusedByMapioWithTheReason) {
  const std::string name = fmt::format("/mapio-test-ro-{}", ::getpid());
  auto writer = SharedMemory::create(name, pages * page_size());
  const std::string pattern = fill(writer.writable_bytes());
  const std::string found = in_reader([&](Findings& f) {
    auto reader = SharedMemory::open(name, Access::read_only);
    try_to_change(f, reader, pattern.size());
    f.refused("protect(read_write)", [&] { reader.protect(Protection::read_write); }, EACCES, "opened read-only");
    f.expect(store_faults(reader.data() + page_size()), "a plain store through the read-only mapping did not fault");
  });
  SharedMemory::unlink(name);
  EXPECT_EQ(found, "");
  expect_unchanged(writer, pattern);
}

TEST(ReadOnlySharedMemory, AReadOnlyReopenIsImpossibleForASocketAndSaysSo) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const std::size_t descriptors = test::descriptor_count();
  auto e = error_of([&] { SharedMemory::from_descriptor(sv[0], Access::read_only, "peer"); });
  EXPECT_EQ(e.errno_value(), ENXIO) << e.what();
  EXPECT_EQ(e.operation(), "reopen read-only");
  EXPECT_NE(std::string(e.what()).find("pass a descriptor opened O_RDONLY"), std::string::npos) << e.what();
  EXPECT_EQ(test::descriptor_count(), descriptors);
  ::close(sv[0]);
  ::close(sv[1]);
  // A write-only descriptor is never turned into a readable one.
  test::ScratchDir dir;
  auto path = dir.write("w", "written");
  const int write_only = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(write_only, 0);
  e = error_of([&] { FileDescriptor::duplicate_read_only(write_only, "w"); });
  EXPECT_EQ(e.errno_value(), EACCES) << e.what();
  EXPECT_NE(std::string(e.what()).find("write-only"), std::string::npos) << e.what();
  ::close(write_only);
}

// ---- files ----------------------------------------------------------------------------------------

void expect_file_unchanged(const MappedFile& writer, const std::filesystem::path& path, const std::string& pattern) {
  EXPECT_EQ(writer.file_size(), pattern.size()) << "the reader changed the file's size";
  std::string now(pattern.size(), '\0');
  try {
    writer.read_safely(0, std::as_writable_bytes(std::span<char>(now)));
  } catch (const Error& e) {
    FAIL() << "the writer lost pages: " << e.what();
  }
  EXPECT_TRUE(now == pattern) << "the reader changed the mapped bytes";
  EXPECT_TRUE(test::read_with_read(path) == pattern) << "the reader changed the file";
}

void try_to_change(Findings& f, MappedFile& reader, std::size_t size) {
  f.expect(fdinfo_access(reader.descriptor()) == O_RDONLY,
           fmt::format("fdinfo of descriptor() shows access {}, not O_RDONLY", fdinfo_access(reader.descriptor())));
  f.refused("resize(page)", [&] { reader.resize(page_size()); }, EACCES, "opened read-only");
  f.refused("resize(grow)", [&] { reader.resize(2 * size); }, EACCES, "opened read-only");
  errno = 0;
  f.expect(::pwrite(reader.descriptor(), "evil", 4, 0) == -1 && errno == EBADF, "pwrite on descriptor() wrote");
  f.expect(::ftruncate(reader.descriptor(), 0) == -1, "ftruncate on descriptor() shrank the file");
  f.expect(reader.size() == size, "the reader's mapping changed size");
}

TEST(ReadOnlyFile, AReaderByPathOrByAWritableDescriptorCannotChangeTheFile) {
  test::ScratchDir dir;
  const auto path = dir / "shared.bin";
  auto writer = MappedFile::create(path, pages * page_size() + 100);
  const std::string pattern = fill(writer.writable_bytes());
  writer.flush();
  ASSERT_EQ(fdinfo_access(writer.descriptor()), O_RDWR);
  const std::string found = in_reader([&](Findings& f) {
    auto by_path = MappedFile::open(path);
    try_to_change(f, by_path, pattern.size());
    f.refused("protect(read_write) by path", [&] { by_path.protect(Protection::read_write); }, EACCES,
              "opened read-only");
    // Handed the writer's own O_RDWR descriptor, a read-only holder still keeps no write access.
    auto by_descriptor = MappedFile::open(writer.descriptor(), FileOptions(), "writer's descriptor");
    try_to_change(f, by_descriptor, pattern.size());
    f.refused("protect(read_write) by descriptor", [&] { by_descriptor.protect(Protection::read_write); }, EACCES,
              "opened read-only");
    f.expect(store_faults(by_descriptor.data()), "a plain store through the read-only mapping did not fault");
    f.expect(!kernel_may_write(by_descriptor.data()), "the kernel would let the reader's mapping become writable (mw)");
    f.expect(as_text(by_descriptor.bytes()) == pattern, "the reader does not see the writer's bytes");
  });
  EXPECT_EQ(found, "");
  expect_file_unchanged(writer, path, pattern);
}

TEST(ReadOnlyFile, ACopyOnWriteHolderKeepsItsWritesAndNoWriteAccess) {
  test::ScratchDir dir;
  const auto path = dir / "cow.bin";
  auto writer = MappedFile::create(path, 2 * page_size());
  const std::string pattern = fill(writer.writable_bytes());
  writer.flush();
  const std::string found = in_reader([&](Findings& f) {
    auto cow = MappedFile::open(writer.descriptor(), FileOptions().access(Access::copy_on_write));
    try_to_change(f, cow, pattern.size());
    cow.writable_bytes()[0] = std::byte{'p'};
    cow.protect(Protection::read);
    cow.protect(Protection::read_write);  // private pages: allowed, and still private
    cow.writable_bytes()[1] = std::byte{'p'};
    cow.flush();
  });
  EXPECT_EQ(found, "");
  expect_file_unchanged(writer, path, pattern);
}

// ---- the primitive and the seals -------------------------------------------------------------------

TEST(ReadOnlyMapping, AReadOnlyObjectFlagKeepsAWritableDescriptorsMapReadOnly) {
  auto object = SharedMemory::create_memfd("flagged", page_size());
  MapFlags flags;
  flags.read_only_object = true;
  auto flagged = Mapping::map_descriptor(object.descriptor(), 0, page_size(), Protection::read, Sharing::shared,
                                         "flagged", flags);
  auto e = error_of([&] { flagged.protect(Protection::read_write); });
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_NE(std::string(e.what()).find("opened read-only"), std::string::npos) << e.what();
  EXPECT_EQ(flagged.protection(), Protection::read);
  // Without the flag, a read-only map of a read-write descriptor may become writable: that is the
  // kernel's rule and a legitimate use (write-protecting a buffer for a while).
  auto plain = Mapping::map_descriptor(object.descriptor(), 0, page_size(), Protection::read, Sharing::shared, "plain");
  plain.protect(Protection::read_write);
  plain.writable_bytes()[0] = std::byte{7};
  EXPECT_EQ(object.bytes()[0], std::byte{7});
  EXPECT_THROW(Mapping::map_descriptor(object.descriptor(), 0, page_size(), Protection::read_write, Sharing::shared,
                                       "contradiction", flags),
               std::invalid_argument);
}

TEST(SealErrors, AWritableMapOfAWriteSealedMemfdSaysItIsSealed) {
  auto blob = SharedMemory::create_memfd("sealed-blob", page_size());
  blob.seal(Seal::future_write);
  auto e = error_of([&] { SharedMemory::from_descriptor(blob.descriptor(), Access::read_write); });
  EXPECT_EQ(e.errno_value(), EPERM);
  const std::string what = e.what();
  EXPECT_NE(what.find("sealed against writes (F_SEAL_FUTURE_WRITE)"), std::string::npos) << what;
  EXPECT_NE(what.find(fmt::format("fd {} (memfd:sealed-blob)", blob.descriptor())), std::string::npos) << what;

  auto frozen = SharedMemory::create_memfd("frozen-blob", page_size());
  frozen.unmap();
  frozen.seal(Seal::write);
  e = error_of([&] { SharedMemory::from_descriptor(frozen.descriptor(), Access::read_write); });
  EXPECT_EQ(e.errno_value(), EPERM);
  EXPECT_NE(std::string(e.what()).find("sealed against writes (F_SEAL_WRITE)"), std::string::npos) << e.what();
}

TEST(SealErrors, ProtectOnAWriteSealedMemfdBlamesTheSeal) {
  auto blob = SharedMemory::create_memfd("sealed-protect", page_size());
  blob.seal(Seal::future_write);
  // Mapped read-only through the creator's own O_RDWR descriptor with the primitive: no read-only
  // access to blame, only the seal.
  auto view = Mapping::map_descriptor(blob.descriptor(), 0, page_size(), Protection::read, Sharing::shared, "view");
  auto e = error_of([&] { view.protect(Protection::read_write); });
  EXPECT_EQ(e.errno_value(), EACCES);
  std::string what = e.what();
  EXPECT_NE(what.find("sealed against writes"), std::string::npos) << what;
  EXPECT_EQ(what.find("opened"), std::string::npos) << what;
  // A reader that opened it read-only hears both reasons.
  auto reader = SharedMemory::from_descriptor(blob.descriptor(), Access::read_only);
  e = error_of([&] { reader.protect(Protection::read_write); });
  what = e.what();
  EXPECT_NE(what.find("sealed against writes"), std::string::npos) << what;
  EXPECT_NE(what.find("opened read-only"), std::string::npos) << what;
}

TEST(SealErrors, SealingAPosixObjectSaysOnlyMemfdsTakeSeals) {
  const std::string name = fmt::format("/mapio-test-seal-{}", ::getpid());
  auto posix = SharedMemory::create(name, page_size());
  SharedMemory::unlink(name);
  auto e = error_of([&] { posix.seal(Seal::grow); });
  EXPECT_EQ(e.errno_value(), EPERM);
  const std::string what = e.what();
  EXPECT_NE(what.find("only a memfd takes seals"), std::string::npos) << what;
  EXPECT_EQ(what.find("sealed with F_SEAL_SEAL"), std::string::npos) << what;
  // A memfd that really is sealed says so.
  auto blob = SharedMemory::create_memfd("closed-to-seals", page_size());
  blob.seal(Seal::seal);
  e = error_of([&] { blob.seal(Seal::grow); });
  EXPECT_EQ(e.errno_value(), EPERM);
  EXPECT_NE(std::string(e.what()).find("sealed with F_SEAL_SEAL"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace mapio
