// Mapping: ownership, typed views, flush/advise/populate/lock/protect, leaks and durability.
#include "mapio/mapping.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "mapio/error.hpp"
#include "mapio/file.hpp"
#include "mapio/page.hpp"
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
  EXPECT_NO_THROW(file.advise(Advice::will_need, 1, 10));  // unaligned ranges are widened to pages
  EXPECT_THROW(file.advise(Advice::normal, 0, file.size() + 1), Error);
  auto anon = Mapping::anonymous(4 << 20);
  // THP may be compiled out; when it is, the error must say so rather than be a bare EINVAL.
  try {
    anon.advise(Advice::huge_page);
    anon.advise(Advice::no_huge_page);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("transparent huge pages"), std::string::npos) << e.what();
  }
}

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
  // In a child: lower RLIMIT_MEMLOCK and drop root (root's CAP_IPC_LOCK ignores the limit).
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    rlimit limit{page_size(), page_size()};
    ::setrlimit(RLIMIT_MEMLOCK, &limit);
    if (::geteuid() == 0 && ::setresuid(65534, 65534, 65534) != 0) ::_exit(3);
    auto m = Mapping::anonymous(64 * page_size());
    std::string message = "no error";
    try {
      m.lock();
    } catch (const Error& e) {
      message = e.what();
    }
    (void)!::write(pipe_fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(message.find("mlock anonymous memory"), std::string::npos) << message;
  EXPECT_NE(message.find("RLIMIT_MEMLOCK (4096 bytes"), std::string::npos) << message;
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

TEST(Mapping, TenThousandCyclesLeakNoMappingAndNoDescriptor) {
  ScratchDir dir;
  auto path = dir.write("f", std::string(3 * page_size() + 17, 'x'));
  // Warm up once so lazily created process state (locale, handler) is not counted as a leak.
  { auto warm = MappedFile::open(path); }
  const auto descriptors = test::descriptor_count();
  for (int i = 0; i < 10000; ++i) {
    auto file = MappedFile::open(path, FileOptions().offset(static_cast<std::uint64_t>(i % 5000)).length(17));
    ASSERT_EQ(file.size(), 17u);
    if (i == 0) {
      ASSERT_EQ(test::mappings_of(path), 1u);  // the count does see a live mapping
    }
    if (i % 100 == 0) {
      // The error paths must release what they took, too.
      EXPECT_THROW(MappedFile::open(path, FileOptions().offset(1 << 20)), Error);
      EXPECT_THROW(MappedFile::open(dir.path()), Error);
    }
  }
  EXPECT_EQ(test::mappings_of(path), 0u);
  EXPECT_EQ(test::descriptor_count(), descriptors);
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
