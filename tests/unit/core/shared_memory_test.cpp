// Shared memory between real processes: anonymous maps across fork, memfd with seals, POSIX shm.
#include "mapio/core/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

/// Runs `body` in a child process and returns its exit status (0 = the child's checks passed).
template <class Body>
int in_child(Body body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(SharedMemory, AnonymousSharedMemoryIsSeenByTheParentAfterTheChildWrites) {
  // The seed's parent/child example: the child sets 42, the parent reads 42.
  auto shared = Mapping::anonymous(sizeof(int), Sharing::shared);
  shared.writable_object<int>(0) = 0;
  EXPECT_EQ(in_child([&] {
              shared.writable_object<int>(0) = 42;
              return 0;
            }),
            0);
  EXPECT_EQ(shared.object<int>(0), 42);
}

TEST(SharedMemory, PrivateAnonymousMemoryIsCopiedOnWriteAcrossFork) {
  auto mine = Mapping::anonymous(sizeof(int), Sharing::copy_on_write);
  mine.writable_object<int>(0) = 1;
  EXPECT_EQ(in_child([&] {
              mine.writable_object<int>(0) = 42;
              return mine.object<int>(0) == 42 ? 0 : 1;
            }),
            0);
  EXPECT_EQ(mine.object<int>(0), 1);
}

TEST(SharedMemory, ChildAndParentCountTogetherThroughAtomics) {
  auto shared = Mapping::anonymous(page_size(), Sharing::shared);
  auto* counter = new (shared.writable_data()) std::atomic<int>(0);
  pid_t pids[4];
  for (auto& pid : pids) {
    pid = ::fork();
    if (pid == 0) {
      for (int i = 0; i < 10000; ++i) counter->fetch_add(1);
      ::_exit(0);
    }
  }
  for (auto pid : pids) ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(counter->load(), 40000);
}

TEST(SharedMemory, MemfdIsSharedThroughItsDescriptor) {
  auto blob = SharedMemory::create_memfd("mapio-test", 3 * page_size());
  std::memcpy(blob.writable_data(), "memfd!", 6);
  auto other = SharedMemory::from_descriptor(blob.descriptor(), Access::read_only);
  EXPECT_EQ(test::as_text(other.bytes().first(6)), "memfd!");
  EXPECT_EQ(in_child([&] {
              auto view = SharedMemory::from_descriptor(blob.descriptor());
              std::memcpy(view.writable_data(), "child", 5);
              return 0;
            }),
            0);
  EXPECT_EQ(test::as_text(blob.bytes().first(6)), "child!");
}

TEST(SharedMemory, SealsMakeTheSizeTrustworthy) {
  auto blob = SharedMemory::create_memfd("sealed", 2 * page_size());
  EXPECT_EQ(blob.seals(), Seal::none);
  blob.seal(Seal::shrink | Seal::grow);
  EXPECT_TRUE(has(blob.seals(), Seal::shrink));
  EXPECT_TRUE(has(blob.seals(), Seal::grow));
  // Nobody — not even the creator, not a child with the descriptor — can truncate it under readers.
  try {
    blob.resize(page_size());
    FAIL() << "shrinking a shrink-sealed memfd succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EPERM);
    EXPECT_NE(std::string(e.what()).find("sealed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(in_child([&] { return ::ftruncate(blob.descriptor(), 0) == -1 && errno == EPERM ? 0 : 1; }), 0);
  EXPECT_THROW(blob.resize(4 * page_size()), Error);
  EXPECT_EQ(blob.size(), 2 * page_size());
  // A write seal needs the writable shared mapping gone first: EBUSY while it lives.
  EXPECT_THROW(blob.seal(Seal::write), Error);
  blob.seal(Seal::future_write | Seal::seal);
  EXPECT_THROW(SharedMemory::from_descriptor(blob.descriptor(), Access::read_write), Error);
  EXPECT_NO_THROW(SharedMemory::from_descriptor(blob.descriptor(), Access::read_only));
  try {
    blob.seal(Seal::write);
    FAIL() << "sealing after F_SEAL_SEAL succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EPERM);
  }
}

TEST(SharedMemory, AWriteSealFreezesTheContents) {
  auto blob = SharedMemory::create_memfd("frozen", 2 * page_size());
  std::memcpy(blob.writable_data() + page_size(), "final words", 11);
  // F_SEAL_WRITE is refused while a writable shared mapping lives (the EBUSY case above); the
  // creator drops its own and keeps only the descriptor.
  blob.unmap();
  blob.seal(Seal::write);
  EXPECT_TRUE(has(blob.seals(), Seal::write));
  try {
    SharedMemory::from_descriptor(blob.descriptor(), Access::read_write, "frozen memfd");
    FAIL() << "a writable shared mapping of a write-sealed memfd was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EPERM) << e.what();
    EXPECT_EQ(e.operation(), "map");
    EXPECT_NE(std::string(e.what()).find("frozen memfd"), std::string::npos) << e.what();
  }
  errno = 0;
  EXPECT_EQ(::pwrite(blob.descriptor(), "x", 1, 0), -1);
  EXPECT_EQ(errno, EPERM);
  // A reader's mapping still works and sees the contents as they were sealed. It maps through a
  // read-only descriptor, as a process given the memfd to read would: a shared mapping of a writable
  // descriptor counts as writable to kernels before 6.7, even when mapped read-only.
  const int read_only = ::open(fmt::format("/proc/self/fd/{}", blob.descriptor()).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  auto reader = SharedMemory::from_descriptor(read_only, Access::read_only);
  ::close(read_only);
  EXPECT_EQ(reader.size(), 2 * page_size());
  EXPECT_EQ(test::as_text(reader.bytes().subspan(page_size(), 11)), "final words");
  EXPECT_EQ(reader.bytes()[0], std::byte{0});
}

TEST(SharedMemory, ResizeGrowsAnUnsealedMemfd) {
  auto blob = SharedMemory::create_memfd("growing", 10);
  std::memcpy(blob.writable_data(), "0123456789", 10);
  blob.resize(5 * page_size());
  EXPECT_EQ(test::as_text(blob.bytes().first(10)), "0123456789");
  blob.writable_bytes().back() = std::byte{1};
}

TEST(SharedMemory, PosixObjectsAreCreatedOpenedAndUnlinkedByName) {
  const std::string name = fmt::format("/mapio-test-{}", ::getpid());
  auto created = SharedMemory::create(name, 8192);
  std::memcpy(created.writable_data() + 4096, "posix", 5);
  try {
    SharedMemory::create(name, 8192);
    FAIL() << "creating an existing object succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EEXIST);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
  }
  EXPECT_EQ(in_child([&] {
              auto opened = SharedMemory::open(name);
              if (opened.size() != 8192) return 1;
              if (test::as_text(opened.bytes().subspan(4096, 5)) != "posix") return 2;
              std::memcpy(opened.writable_data(), "reply", 5);
              return 0;
            }),
            0);
  EXPECT_EQ(test::as_text(created.bytes().first(5)), "reply");
  // A POSIX object was not created for sealing: the kernel reports it as sealed against new seals.
  EXPECT_EQ(created.seals(), Seal::seal);
  SharedMemory::unlink(name);
  EXPECT_THROW(SharedMemory::open(name), Error);
  EXPECT_THROW(SharedMemory::unlink(name), Error);
  EXPECT_EQ(test::as_text(created.bytes().first(5)), "reply");  // still mapped after unlink
  EXPECT_THROW(SharedMemory::create("no-slash", 1), Error);
  EXPECT_THROW(SharedMemory::create("/a/b", 1), Error);
}

TEST(SharedMemory, AFailedCreateLeavesNoObjectAndNoDescriptorBehind) {
  // ftruncate accepts the size (tmpfs files are sparse) but no address space holds a mapping of it:
  // the create fails after the name exists, and must take the name away again.
  const std::string name = fmt::format("/mapio-test-huge-{}", ::getpid());
  const std::size_t descriptors = test::descriptor_count();
  auto e = test::error_of([&] { SharedMemory::create(name, 99999999999999999u); });
  EXPECT_EQ(e.errno_value(), ENOMEM) << e.what();
  const bool left_behind = std::filesystem::exists("/dev/shm" + name);
  if (left_behind) ::shm_unlink(name.c_str());  // even a failing run leaves /dev/shm clean
  EXPECT_FALSE(left_behind) << "the failed create left /dev/shm" << name;
  EXPECT_EQ(test::descriptor_count(), descriptors);
}

TEST(SharedMemory, CheckNameAcceptsWhatShmOpenTakesAndExplainsTheRest) {
  for (const char* good : {"/x", "/mapio-demo", "/a.b c"}) EXPECT_NO_THROW(SharedMemory::check_name(good)) << good;
  for (const char* bad : {"", "/", "noslash", "/a/b", "//x"}) {
    SCOPED_TRACE(bad);
    const Error e = test::error_of([&] { SharedMemory::check_name(bad); });
    EXPECT_EQ(e.errno_value(), EINVAL);
    EXPECT_EQ(e.subject(), bad);
    EXPECT_EQ(e.explanation(), "a shared memory name is '/' followed by a name without further slashes");
  }
}

}  // namespace
}  // namespace mapio
