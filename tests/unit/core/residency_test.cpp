// Mapping::residency (mincore) and evict_from_page_cache (fdatasync + POSIX_FADV_DONTNEED), on real
// memory and real files: pages counted where they were touched, a file really leaving the page
// cache and coming back exactly where it was read.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::ScratchDir;

TEST(Residency, AnonymousPagesCountOnlyOnceTouched) {
  const std::size_t page = page_size();
  auto memory = Mapping::anonymous(4 * page);
  EXPECT_EQ(memory.residency(), (std::vector<bool>{false, false, false, false}));
  memory.writable_data()[0] = std::byte{1};
  memory.writable_data()[2 * page + 5] = std::byte{1};
  EXPECT_EQ(memory.residency(), (std::vector<bool>{true, false, true, false}));
  EXPECT_TRUE(Mapping().residency().empty());
}

TEST(Residency, AnUnalignedRangeReportsThePagesItTouches) {
  ScratchDir dir;
  const std::size_t page = page_size();
  const auto path = dir.write("data", test::patterned(4 * page));
  // Bytes [page + 1, 2 * page + 905) lie on pages 1 and 2 of the file.
  auto part = MappedFile::open(path, FileOptions().offset(page + 1).length(page + 904));
  EXPECT_EQ(part.residency(), (std::vector<bool>{true, true}));  // just written: in the page cache
}

bool on_tmpfs(const std::filesystem::path& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

TEST(EvictFromPageCache, AFileJustWrittenLeavesAndComesBackWhereItIsRead) {
  ScratchDir dir;
  if (on_tmpfs(dir.path())) GTEST_SKIP() << dir.path() << " is on tmpfs, whose files live in the page cache";
  const std::size_t page = page_size();
  const auto path = dir.write("data", test::patterned(8 * page));  // dirty: never written back yet

  evict_from_page_cache(path);
  auto file = MappedFile::open(path);
  EXPECT_EQ(file.residency(), std::vector<bool>(8, false));

  // Read page 5 alone, with readahead off, through another descriptor: the page cache is shared.
  auto reader = FileDescriptor::open(path, O_RDONLY);
  ASSERT_EQ(::posix_fadvise(reader.get(), 0, 0, POSIX_FADV_RANDOM), 0);
  std::vector<char> buffer(page);
  ASSERT_EQ(::pread(reader.get(), buffer.data(), page, static_cast<off_t>(5 * page)), static_cast<ssize_t>(page));
  std::vector<bool> expected(8, false);
  expected[5] = true;
  EXPECT_EQ(file.residency(), expected);

  // What was evicted was written back first: the contents are intact.
  EXPECT_EQ(test::read_with_read(path), test::patterned(8 * page));
}

TEST(EvictFromPageCache, RefusesWhatHasNoPagesWithoutWaiting) {
  ScratchDir dir;
  auto error = test::error_of([&] { evict_from_page_cache(dir.path()); });
  EXPECT_EQ(error.errno_value(), EISDIR);
  EXPECT_EQ(error.subject(), dir.path().string());

  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  error = test::error_of([&] { evict_from_page_cache(fifo); });  // opening must not wait for a writer
  EXPECT_EQ(error.errno_value(), ENODEV);
  EXPECT_NE(std::string(error.what()).find("only regular files and block devices"), std::string::npos) << error.what();

  error = test::error_of([&] { evict_from_page_cache(dir / "missing"); });
  EXPECT_EQ(error.errno_value(), ENOENT);
}

}  // namespace
}  // namespace mapio

namespace mapio {
namespace {

TEST(HugePageBytes, AnonymousMemoryWithHugePageAdviceAndWithout) {
  constexpr std::size_t huge = std::size_t{2} << 20;
  auto plain = Mapping::anonymous(8 * huge);
  plain.advise(Advice::no_huge_page);
  plain.populate(PopulateFor::write);
  EXPECT_EQ(plain.huge_page_bytes(), 0u);

  auto advised = Mapping::anonymous(8 * huge);
  advised.advise(Advice::huge_page);
  advised.populate(PopulateFor::write);
  // THP may be off ("never"), or memory too fragmented for every 2 MiB page; when it is on the
  // kernel backs at least the aligned part, and never more than the mapping.
  const std::size_t bytes = advised.huge_page_bytes();
  EXPECT_EQ(bytes % huge, 0u);
  EXPECT_LE(bytes, advised.size());
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes((std::istreambuf_iterator<char>(mode)), {});
  if (modes.find("[never]") == std::string::npos) {
    EXPECT_GT(bytes, 0u) << "THP is " << modes;
  }
  EXPECT_EQ(Mapping().huge_page_bytes(), 0u);

  // Split into regions by advice on part of it, the mapping still counts all of them. (The two
  // above go first: a neighbour with the same flags would merge with a region of this one.)
  plain.unmap();
  advised.unmap();
  auto split = Mapping::anonymous(8 * huge);
  split.advise(Advice::huge_page);
  split.advise(Advice::no_huge_page, 0, 2 * huge);  // a region of its own now
  split.populate(PopulateFor::write);
  EXPECT_LE(split.huge_page_bytes(), 6 * huge);
  if (modes.find("[never]") == std::string::npos) {
    EXPECT_GT(split.huge_page_bytes(), 0u);
  }
}

}  // namespace
}  // namespace mapio
