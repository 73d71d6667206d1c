// Mapping: ownership, typed views, flush/advise/populate/lock/protect, leaks and durability.
#include "mapio/core/mapping.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/shared_memory.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::ScratchDir;

TEST(Mapping, MoveTransfersOwnershipAndUnmapsOnce) {
  const std::byte* where = nullptr;
  {
    auto a = Mapping::anonymous(3 * page_size());
    where = a.data();
    Mapping b = std::move(a);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(b.data(), where);
    Mapping c;
    c = std::move(b);
    EXPECT_EQ(c.data(), where);
    EXPECT_TRUE(test::is_mapped(where));
    c.unmap();
    EXPECT_FALSE(test::is_mapped(where));
    c.unmap();  // twice is harmless
    EXPECT_TRUE(c.empty());
    auto d = Mapping::anonymous(page_size());
    where = d.data();
  }
  EXPECT_FALSE(test::is_mapped(where)) << "the destructor did not unmap";
}

TEST(Mapping, AnonymousMemoryIsZeroedAndWritable) {
  auto m = Mapping::anonymous(10000);
  EXPECT_EQ(m.size(), 10000u);
  for (auto b : m.bytes()) ASSERT_EQ(b, std::byte{0});
  m.writable_bytes()[9999] = std::byte{7};
  EXPECT_EQ(m.bytes()[9999], std::byte{7});
  EXPECT_TRUE(Mapping::anonymous(0).empty());
}

TEST(Mapping, TypedViewsCheckBoundsAndAlignment) {
  auto m = Mapping::anonymous(64);
  auto words = m.writable_view<std::uint64_t>(0, 8);
  words[7] = 0x1122334455667788u;
  EXPECT_EQ(m.object<std::uint64_t>(56), 0x1122334455667788u);
  try {
    (void)m.view<std::uint64_t>(8, 8);
    FAIL() << "view past the end was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), ERANGE);
    EXPECT_NE(std::string(e.what()).find("do not fit in the 64 mapped bytes"), std::string::npos) << e.what();
  }
  try {
    (void)m.view<std::uint32_t>(2, 1);
    FAIL() << "misaligned view was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.errno_value(), EINVAL);
    EXPECT_NE(std::string(e.what()).find("not aligned to 4 bytes"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)m.view<std::uint8_t>(0, ~std::size_t{0}), Error);  // count overflow
  auto ro = Mapping::anonymous(64, Sharing::copy_on_write, Protection::read);
  EXPECT_THROW((void)ro.writable_view<std::uint8_t>(0, 1), Error);
}

TEST(Mapping, AdviceOfEveryKindIsAccepted) {
  ScratchDir dir;
  auto file = MappedFile::open(dir.write("f", std::string(5 * page_size(), 'a')));
  for (Advice a : {Advice::normal, Advice::sequential, Advice::random, Advice::will_need, Advice::dont_need}) {
    EXPECT_NO_THROW(file.advise(a)) << static_cast<int>(a);
  }
  // The hints that the kernel records show in the mapping's VmFlags.
  file.advise(Advice::sequential);
  EXPECT_NE(test::vm_flags(file.data()).find(" sr "), std::string::npos) << test::vm_flags(file.data());
  file.advise(Advice::random);
  EXPECT_NE(test::vm_flags(file.data()).find(" rr "), std::string::npos) << test::vm_flags(file.data());
  file.advise(Advice::normal);
  EXPECT_EQ(test::vm_flags(file.data()).find(" rr "), std::string::npos) << test::vm_flags(file.data());
  EXPECT_NO_THROW(file.advise(Advice::will_need, 1, 10));  // unaligned ranges are widened to pages
  EXPECT_THROW(file.advise(Advice::normal, 0, file.size() + 1), Error);
}

/// Whether this kernel has transparent huge pages at all (CONFIG_TRANSPARENT_HUGEPAGE): without
/// them madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) fails with EINVAL.
bool kernel_has_thp() { return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"); }

/// advise(`advice`) on anonymous memory: recorded in VmFlags as `flag`, or, on a kernel without
/// THP, an error that says so (and the test is skipped, naming why).
void expect_huge_page_advice(Advice advice, const char* flag) {
  auto anon = Mapping::anonymous(4 << 20);
  if (!kernel_has_thp()) {
    try {
      anon.advise(advice);
      ADD_FAILURE() << "huge-page advice accepted without /sys/kernel/mm/transparent_hugepage";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("transparent huge pages"), std::string::npos) << e.what();
    }
    GTEST_SKIP() << "this kernel has no transparent huge pages (no /sys/kernel/mm/transparent_hugepage): "
                 << "only the error's explanation was checked";
  }
  ASSERT_NO_THROW(anon.advise(advice));
  EXPECT_NE(test::vm_flags(anon.data()).find(std::string(" ") + flag + " "), std::string::npos)
      << test::vm_flags(anon.data());
}

TEST(Mapping, HugePageAdviceIsRecorded) { expect_huge_page_advice(Advice::huge_page, "hg"); }

TEST(Mapping, NoHugePageAdviceIsRecorded) { expect_huge_page_advice(Advice::no_huge_page, "nh"); }

TEST(Mapping, PopulateFillsThePageTables) {
  ScratchDir dir;
  auto path = dir.write("f", std::string(64 * page_size(), 'p'));
  auto file = MappedFile::open(path);
  file.advise(Advice::random);  // no fault-around: only populate() may fill the tables
  const std::size_t before = test::resident_bytes(file.data());
  file.populate();
  EXPECT_LT(before, file.size());
  EXPECT_EQ(test::resident_bytes(file.data()), file.size());
  auto anon = Mapping::anonymous(16 * page_size());
  EXPECT_EQ(test::pages_in_memory(anon.data(), anon.size()), 0u);
  anon.populate(PopulateFor::write);
  EXPECT_EQ(test::pages_in_memory(anon.data(), anon.size()), 16u);
  auto ro = Mapping::anonymous(page_size(), Sharing::copy_on_write, Protection::read);
  EXPECT_THROW(ro.populate(PopulateFor::write), Error);
}

TEST(Mapping, PopulateAtMapTimeFillsThePageTablesBeforeAnyTouch) {
  // FileOptions::populate / MapFlags::populate = MAP_POPULATE. The file was just written, so all of
  // it is in the page cache (residency() says so for both maps: mincore reports the cache); what
  // MAP_POPULATE adds is the page-table entries, which show as the mapping's Rss in smaps. Without
  // it a fresh, untouched mapping has none.
  ScratchDir dir;
  auto path = dir.write("f", test::patterned(64 * page_size()));
  auto plain = MappedFile::open(path);
  auto populated = MappedFile::open(path, FileOptions().populate());
  for (const MappedFile* file : {&plain, &populated}) {
    auto pages = file->residency();
    EXPECT_EQ(std::count(pages.begin(), pages.end(), true), 64) << "the file is not all in the page cache";
  }
  EXPECT_EQ(test::resident_bytes(plain.data()), 0u);
  EXPECT_EQ(test::resident_bytes(populated.data()), populated.size());
  EXPECT_EQ(test::as_text(populated.bytes()), test::patterned(64 * page_size()));

  auto anon_plain = Mapping::anonymous(16 * page_size());
  auto anon_populated = Mapping::anonymous(16 * page_size(), Sharing::copy_on_write, Protection::read_write,
                                           MapFlags{.populate = true});
  EXPECT_EQ(test::pages_in_memory(anon_plain.data(), anon_plain.size()), 0u);
  EXPECT_EQ(test::pages_in_memory(anon_populated.data(), anon_populated.size()), 16u);
}

TEST(Mapping, PopulateOfATruncatedFileIsAnError) {
  ScratchDir dir;
  auto path = dir.write("f", std::string(4 * page_size(), 'p'));
  auto file = MappedFile::open(path);
  std::filesystem::resize_file(path, page_size());
  EXPECT_THROW(file.populate(), Error);
}

TEST(Mapping, FlushesSubRangesAtAnyOffset) {
  ScratchDir dir;
  auto path = dir.write("f", std::string(3 * page_size(), '.'));
  auto file = MappedFile::open(path, FileOptions().access(Access::read_write).offset(100));
  std::memcpy(file.writable_data() + page_size(), "abc", 3);
  file.flush(page_size(), 3);
  file.flush(page_size() - 1, 5, FlushMode::async);
  EXPECT_THROW(file.flush(file.size(), 1), Error);
  EXPECT_EQ(test::read_with_read(path).substr(100 + page_size(), 3), "abc");
}

TEST(Mapping, LockAndUnlock) {
  auto m = Mapping::anonymous(4 * page_size());
  m.lock();
  m.unlock();
}

TEST(Mapping, LockBeyondTheLimitExplainsRlimitMemlock) {
  if (test::under_address_sanitizer()) GTEST_SKIP() << "ASan turns mlock(2) into a no-op";
  // In a child without root (root's CAP_IPC_LOCK ignores the limit), with RLIMIT_MEMLOCK lowered.
  auto child = test::run_unprivileged([]() -> std::string {
    rlimit limit{page_size(), page_size()};
    if (::setrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "setrlimit failed";
    auto m = Mapping::anonymous(64 * page_size());
    try {
      m.lock();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  });
  ASSERT_EQ(child.status, 0) << child.message;
  EXPECT_NE(child.message.find("mlock anonymous memory"), std::string::npos) << child.message;
  EXPECT_NE(child.message.find("RLIMIT_MEMLOCK (4096 bytes"), std::string::npos) << child.message;
}

TEST(MappingDeathTest, ProtectMakesWritesFault) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto m = Mapping::anonymous(page_size());
  m.protect(Protection::read);
  EXPECT_FALSE(m.writable());
  EXPECT_THROW(m.writable_bytes(), Error);
  MAPIO_EXPECT_KILLED_BY(*const_cast<volatile std::byte*>(m.data()) = std::byte{1}, SIGSEGV);
  m.protect(Protection::read_write);
  m.writable_bytes()[0] = std::byte{1};
  EXPECT_EQ(m.bytes()[0], std::byte{1});
}

// Allocators and sanitizers map memory of their own as a program warms up (ASan's allocator grows a
// size class region at a time), so the whole /proc/self/maps count is taken after a warm-up of the
// same cycle, and may still drift by a few lines; a leak in any of 10,000 cycles would move it by
// thousands.
constexpr int warm_up_cycles = 1000;
constexpr std::size_t maps_drift = 8;

TEST(Mapping, TenThousandCyclesLeakNoMappingAndNoDescriptor) {
  ScratchDir dir;
  auto path = dir.write("f", std::string(3 * page_size() + 17, 'x'));
  auto cycle = [&](int i) {
    auto file = MappedFile::open(path, FileOptions().offset(static_cast<std::uint64_t>(i % 5000)).length(17));
    ASSERT_EQ(file.size(), 17u);
    if (i % 100 == 0) {
      // The error paths must release what they took, too.
      EXPECT_THROW(MappedFile::open(path, FileOptions().offset(1 << 20)), Error);
      EXPECT_THROW(MappedFile::open(dir.path()), Error);
    }
  };
  for (int i = 0; i < warm_up_cycles; ++i) cycle(i);
  const auto descriptors = test::descriptor_count();
  const auto maps = test::mapping_count();
  {
    auto file = MappedFile::open(path);
    ASSERT_EQ(test::mappings_of(path), 1u);  // the counts do see a live mapping
    ASSERT_EQ(test::descriptor_count(), descriptors + 1);  // and the descriptor mapio keeps
  }
  for (int i = 0; i < 10000; ++i) {
    cycle(i);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_EQ(test::mappings_of(path), 0u);
  EXPECT_EQ(test::descriptor_count(), descriptors);
  EXPECT_NEAR(static_cast<double>(test::mapping_count()), static_cast<double>(maps), maps_drift);
}

TEST(Mapping, TenThousandMemoryCyclesLeakNoMappingAndNoDescriptor) {
  // Anonymous memory, memfd shared memory and guarded buffers, each made and dropped 10,000 times.
  const std::size_t page = page_size();
  auto cycle = [page](int i) {
    auto anon =
        Mapping::anonymous(page + static_cast<std::size_t>(i % 3), i % 2 ? Sharing::shared : Sharing::copy_on_write);
    auto shared = SharedMemory::create_memfd("mapio-leak", 2 * page);
    GuardedBuffer guarded(static_cast<std::size_t>(i % 5000) + 1);
    anon.writable_bytes()[0] = std::byte{1};
    shared.writable_bytes()[page] = std::byte{2};
    guarded.bytes()[0] = std::byte{3};
  };
  for (int i = 0; i < warm_up_cycles; ++i) cycle(i);
  const auto descriptors = test::descriptor_count();
  const auto maps = test::mapping_count();
  {
    auto shared = SharedMemory::create_memfd("mapio-leak", page);
    ASSERT_EQ(test::mappings_naming("/memfd:mapio-leak"), 1u);  // the counts see what is alive
    ASSERT_EQ(test::descriptor_count(), descriptors + 1);
  }
  for (int i = 0; i < 10000; ++i) cycle(i);
  EXPECT_EQ(test::mappings_naming("/memfd:mapio-leak"), 0u);
  EXPECT_EQ(test::descriptor_count(), descriptors);
  EXPECT_NEAR(static_cast<double>(test::mapping_count()), static_cast<double>(maps), maps_drift);
  // The whole-process count is not blind: 50 live guarded buffers (front guard, usable pages and
  // back guard differ in protection, so they cannot merge with a neighbour) move it by 50 or more.
  std::vector<GuardedBuffer> alive;
  alive.reserve(50);
  for (int i = 0; i < 50; ++i) alive.emplace_back(100);
  EXPECT_GE(test::mapping_count(), maps + 50);
}

TEST(Mapping, FlushedRecordsSurviveTheWriterBeingKilled) {
  // A child writes 64-byte records through a shared mapping, flushes each batch synchronously and
  // reports the count; the parent SIGKILLs it mid-run and must find every reported record.
  ScratchDir dir;
  auto path = dir / "journal";
  constexpr std::size_t record = 64, batch = 50, capacity = 100000;
  MappedFile::create(path, record * capacity);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    auto journal = MappedFile::open(path, FileOptions().access(Access::read_write));
    for (std::size_t n = 0; n < capacity; ++n) {
      std::snprintf(reinterpret_cast<char*>(journal.writable_data() + n * record), record, "record %zu", n);
      if ((n + 1) % batch == 0) {
        journal.flush((n + 1 - batch) * record, batch * record);
        std::uint64_t done = n + 1;
        if (::write(pipe_fds[1], &done, sizeof done) != sizeof done) ::_exit(1);
      }
    }
    ::pause();
  }
  ::close(pipe_fds[1]);
  std::uint64_t reported = 0, value = 0;
  while (reported < 20 * batch && ::read(pipe_fds[0], &value, sizeof value) == sizeof value) reported = value;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(pipe_fds[0], &value, sizeof value) == sizeof value) reported = value;  // drain what was sent
  ::close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const std::string contents = test::read_with_read(path);
  ASSERT_GE(reported, 20 * batch);
  for (std::size_t n = 0; n < reported; ++n) {
    ASSERT_EQ(std::string(contents.c_str() + n * record), "record " + std::to_string(n)) << "record " << n;
  }
}

}  // namespace
}  // namespace mapio
