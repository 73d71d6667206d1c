// list_shared_memory on real objects: a POSIX object and a memfd of this process, a memfd that only
// a child process holds, each with its size, seals and holders as the kernel has them.
#include "mapio/core/shared_memory.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace mapio {
namespace {

const SharedMemoryObject* find(const std::vector<SharedMemoryObject>& objects, const std::string& name) {
  const auto it = std::find_if(objects.begin(), objects.end(), [&](const auto& o) { return o.name == name; });
  return it == objects.end() ? nullptr : &*it;
}

bool held_by(const SharedMemoryObject& object, int pid, int fd) {
  return std::any_of(object.holders.begin(), object.holders.end(),
                     [&](const auto& h) { return h.pid == pid && h.fd == fd; });
}

TEST(ListSharedMemory, APosixObjectWithItsSizeAndThisProcessHoldingIt) {
  const std::string name = fmt::format("/mapio-list-test-{}", ::getpid());
  auto region = SharedMemory::create(name, 3 * 4096);
  const auto objects = list_shared_memory();
  SharedMemory::unlink(name);
  const auto* found = find(objects, name);
  ASSERT_NE(found, nullptr) << name << " not listed";
  EXPECT_EQ(found->kind, SharedMemoryObject::Kind::posix);
  EXPECT_EQ(found->size, 3u * 4096);
  EXPECT_TRUE(held_by(*found, ::getpid(), region.descriptor()));
  // Unlinked, it is no longer in /dev/shm, but still open here: listed once, through the holder.
  const auto after = list_shared_memory();
  const auto* still = find(after, name);
  ASSERT_NE(still, nullptr);
  EXPECT_TRUE(still->unlinked);
  EXPECT_FALSE(found->unlinked);
  EXPECT_EQ(std::count_if(after.begin(), after.end(), [&](const auto& o) { return o.inode == found->inode; }), 1);
}

TEST(ListSharedMemory, AMemfdWithItsSealsAndHolder) {
  const std::string name = fmt::format("mapio-list-memfd-{}", ::getpid());
  auto blob = SharedMemory::create_memfd(name, 8192);
  blob.seal(Seal::shrink | Seal::grow);
  const auto objects = list_shared_memory();
  const auto* found = find(objects, name);
  ASSERT_NE(found, nullptr) << name << " not listed";
  EXPECT_EQ(found->kind, SharedMemoryObject::Kind::memfd);
  EXPECT_EQ(found->size, 8192u);
  EXPECT_TRUE(found->seals_known);
  EXPECT_EQ(found->seals, Seal::shrink | Seal::grow);
  EXPECT_TRUE(held_by(*found, ::getpid(), blob.descriptor()));
  ASSERT_FALSE(found->holders.empty());
  EXPECT_FALSE(found->holders.front().command.empty());
}

TEST(ListSharedMemory, AMemfdOnlyAChildHolds) {
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  const std::string name = fmt::format("mapio-list-child-{}", ::getpid());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto blob = SharedMemory::create_memfd(name, 3 * 4096);
    blob.seal(Seal::shrink | Seal::seal);
    const int fd = blob.descriptor();
    if (::write(ready[1], &fd, sizeof fd) != sizeof fd) ::_exit(2);
    char c;
    (void)::read(done[0], &c, 1);  // hold it until the parent has looked
    ::_exit(0);
  }
  int child_fd = -1;
  ASSERT_EQ(::read(ready[0], &child_fd, sizeof child_fd), static_cast<ssize_t>(sizeof child_fd));
  const auto objects = list_shared_memory();
  ASSERT_EQ(::write(done[1], "x", 1), 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);

  const auto* found = find(objects, name);
  ASSERT_NE(found, nullptr) << name << " not listed";
  EXPECT_EQ(found->size, 3u * 4096);
  EXPECT_EQ(found->seals, Seal::shrink | Seal::seal);
  ASSERT_EQ(found->holders.size(), 1u);
  EXPECT_EQ(found->holders[0].pid, child);
  EXPECT_EQ(found->holders[0].fd, child_fd);
  // And once the child is gone, so is the memfd.
  EXPECT_EQ(find(list_shared_memory(), name), nullptr);
}

TEST(ListSharedMemory, AMissingShmDirectoryIsAnEmptyListNotAnError) {
  test::ScratchDir dir;
  const auto objects = list_shared_memory("/proc", dir / "missing");
  EXPECT_TRUE(std::none_of(objects.begin(), objects.end(), [](const auto& o) {
    return o.kind == SharedMemoryObject::Kind::posix && o.holders.empty();
  }));
}

}  // namespace
}  // namespace mapio
