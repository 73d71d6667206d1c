// Mapping's calls over part of a mapping — residency, populate and protect of a range — on real
// memory and real files: the pages of the range change, the pages around it do not.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::ScratchDir;

TEST(MappingRange, ResidencyOfARangeCoversThePagesItTouches) {
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(8 * page);
  memory.writable_data()[3 * page] = std::byte{1};
  memory.writable_data()[5 * page + 9] = std::byte{1};
  EXPECT_EQ(memory.residency(3 * page, 1), (std::vector<bool>{true}));
  EXPECT_EQ(memory.residency(2 * page + 1, 2 * page), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(memory.residency(4 * page, 2 * page), (std::vector<bool>{false, true}));
  EXPECT_TRUE(memory.residency(8 * page, 0).empty());
  EXPECT_EQ(memory.residency(0, 8 * page), memory.residency());
}

TEST(MappingRange, ResidencyPastTheEndIsARangeError) {
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(2 * page);
  try {
    (void)memory.residency(page, 2 * page);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
    EXPECT_EQ(e.operation(), "mincore");
  }
}

TEST(MappingRange, PopulateOfARangeFaultsInThosePagesOnly) {
  // Anonymous memory, too small for a huge page: residency() shows exactly the pages provided.
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(8 * page);
  memory.populate(PopulateFor::write, 2 * page + 7, page);
  EXPECT_EQ(memory.residency(), (std::vector<bool>{false, false, true, true, false, false, false, false}));
  EXPECT_THROW(memory.populate(PopulateFor::write, 7 * page, 2 * page), Error);
}

TEST(MappingRange, PopulateOfARangeOfAFileReadsItIn) {
  ScratchDir dir;
  const std::size_t page = page_size();
  const auto path = dir.write("sixty-four", std::string(64 * page, 'p'));
  const auto fd = FileDescriptor::open(path, O_RDONLY);
  auto map = Mapping::map_descriptor(fd.get(), 0, 64 * page, Protection::read, Sharing::shared, path.string());
  const std::size_t before = test::resident_bytes(map.data());
  map.populate(PopulateFor::read, 32 * page + 7, page);
  // The range's two pages are now mapped in this process (and the kernel may map a few cached
  // neighbours with them, its fault-around), not the whole file.
  const std::size_t added = test::resident_bytes(map.data()) - before;
  EXPECT_GE(added, 2 * page);
  EXPECT_LT(added, 64 * page);
}

TEST(MappingRange, PopulateForWritingNeedsAWritableMapping) {
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(4 * page, Sharing::copy_on_write, Protection::read);
  try {
    memory.populate(PopulateFor::write, 0, page);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EACCES);
  }
}

TEST(MappingRange, ProtectOfARangeChangesThosePagesOnly) {
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(4 * page, Sharing::copy_on_write, Protection::none);
  memory.protect(Protection::read_write, page, 2 * page);
  EXPECT_EQ(memory.protection(), Protection::none) << "protection() describes the mapping as made";
  auto* bytes = const_cast<std::byte*>(memory.data());
  bytes[page] = std::byte{1};          // writable now
  bytes[3 * page - 1] = std::byte{2};  // the last byte of the range
  EXPECT_EQ(bytes[page], std::byte{1});
  // Around the range the pages stay inaccessible: a write there faults, in a child.
  for (const std::size_t outside : {std::size_t{0}, 3 * page}) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::signal(SIGSEGV, SIG_DFL);  // the kernel's verdict, not a sanitizer's report
      *static_cast<volatile std::byte*>(bytes + outside) = std::byte{3};
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) << "offset " << outside;
  }
  EXPECT_THROW(memory.protect(Protection::read, 3 * page, 2 * page), Error);
}

}  // namespace
}  // namespace mapio
