// SharedMemory::freeze(): seal a memfd against writes and size changes and map it read-only, in one
// call; checked from another process holding the descriptor, as a receiver of it would.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/shared_memory.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::as_text;
using test::error_of;

// Runs `body` in a forked child; its return value is the exit status (0 = all held).
template <class Body>
int in_child(Body body) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(body());
  int status = -1;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

TEST(SharedMemoryFreeze, SealsTheBytesAndMapsThemReadOnly) {
  auto table = SharedMemory::create_memfd("frozen-table", 8192);
  std::memcpy(table.writable_data(), "final words", 11);
  table.freeze();

  EXPECT_FALSE(table.writable());
  EXPECT_EQ(table.protection(), Protection::read);
  EXPECT_EQ(table.size(), 8192u);
  EXPECT_EQ(as_text(table.bytes().first(11)), "final words");
  const Seal seals = table.seals();
  EXPECT_TRUE(has(seals, Seal::write | Seal::shrink | Seal::grow)) << static_cast<unsigned>(seals);
  EXPECT_EQ(::fcntl(table.descriptor(), F_GETFL) & O_ACCMODE, O_RDONLY) << "the kept descriptor is read-only";
  EXPECT_EQ(error_of([&] { (void)table.writable_bytes(); }).errno_value(), EACCES);

  // Another process with the descriptor, or one reopened for writing, cannot change a byte or the size.
  const int fd = table.descriptor();
  EXPECT_EQ(in_child([fd] {
              const std::string self = "/proc/self/fd/" + std::to_string(fd);
              const int rw = ::open(self.c_str(), O_RDWR);
              if (rw < 0) return 1;
              if (::pwrite(rw, "x", 1, 0) != -1 || errno != EPERM) return 2;
              if (::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0) != MAP_FAILED) return 3;
              if (::ftruncate(rw, 4096) == 0 || ::ftruncate(rw, 16384) == 0) return 4;
              if (::pwrite(fd, "x", 1, 0) != -1) return 5;
              auto reader = SharedMemory::from_descriptor(fd, Access::read_only);
              return as_text(reader.bytes().first(11)) == "final words" ? 0 : 6;
            }),
            0);
  EXPECT_EQ(as_text(table.bytes().first(11)), "final words");
}

TEST(SharedMemoryFreeze, AnotherWritableMappingIsEbusyAndNothingChanges) {
  auto blob = SharedMemory::create_memfd("busy", 4096);
  auto other = SharedMemory::from_descriptor(blob.descriptor(), Access::read_write, "the other mapping");
  const Error e = error_of([&] { blob.freeze(); });
  EXPECT_EQ(e.errno_value(), EBUSY) << e.what();
  EXPECT_NE(std::string(e.what()).find("writable shared mapping"), std::string::npos) << e.what();
  // Left as it was: still writable, unsealed, the same bytes as the other mapping.
  ASSERT_TRUE(blob.writable());
  EXPECT_EQ(blob.seals(), Seal::none);
  blob.writable_bytes()[0] = std::byte{'y'};
  EXPECT_EQ(other.bytes()[0], std::byte{'y'});
  // Once the other one is gone, the freeze goes through.
  other.unmap();
  blob.freeze();
  EXPECT_FALSE(blob.writable());
  EXPECT_EQ(blob.bytes()[0], std::byte{'y'});
}

TEST(SharedMemoryFreeze, OnlyAMemfdCanBeFrozen) {
  const std::string name = "/mapio-freeze-" + std::to_string(::getpid());
  auto region = SharedMemory::create(name, 4096);
  SharedMemory::unlink(name);
  const Error e = error_of([&] { region.freeze(); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_NE(std::string(e.what()).find("only a memfd takes seals"), std::string::npos) << e.what();
  EXPECT_TRUE(region.writable());
}

}  // namespace
}  // namespace mapio
