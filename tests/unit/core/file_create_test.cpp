// Creating files without destroying them (create_new, open_or_create), and sync(): the write that
// survives a power cut. (The power cut itself is the guest's durability scenario, tests/vm.)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::as_text;
using test::error_of;
using test::read_with_read;
using test::ScratchDir;

TEST(MappedFileCreate, CreateNewRefusesAnExistingFileAndLeavesItAlone) {
  ScratchDir dir;
  const auto path = dir.write("precious.txt", "do not lose me");
  const Error e = error_of([&] { (void)MappedFile::create_new(path, 4096); });
  EXPECT_EQ(e.errno_value(), EEXIST);
  const std::string what = e.what();
  EXPECT_NE(what.find("precious.txt"), std::string::npos) << what;
  EXPECT_NE(what.find("open_or_create()"), std::string::npos) << what;
  EXPECT_EQ(read_with_read(path), "do not lose me");

  // A symbolic link is not followed either (O_EXCL): its target stays as it is.
  const auto link = dir / "link";
  std::filesystem::create_symlink(path, link);
  EXPECT_EQ(error_of([&] { (void)MappedFile::create_new(link, 4096); }).errno_value(), EEXIST);
  EXPECT_EQ(read_with_read(path), "do not lose me");
}

TEST(MappedFileCreate, CreateNewMakesAZeroFilledReadWriteFile) {
  ScratchDir dir;
  const auto path = dir / "fresh.bin";
  auto file = MappedFile::create_new(path, 5000, 0600);
  EXPECT_EQ(file.size(), 5000u);
  EXPECT_EQ(file.access(), Access::read_write);
  EXPECT_EQ(std::count(file.bytes().begin(), file.bytes().end(), std::byte{0}), 5000);
  std::memcpy(file.writable_data(), "new", 3);
  file.flush();
  EXPECT_EQ(read_with_read(path).substr(0, 3), "new");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(MappedFileCreate, OpenOrCreateKeepsAnExistingFileAndGrowsAShortOne) {
  ScratchDir dir;
  const auto path = dir.write("state.bin", "kept");
  {
    auto file = MappedFile::open_or_create(path, 4096);
    EXPECT_EQ(file.size(), 4096u);
    EXPECT_EQ(as_text(file.bytes().first(4)), "kept");
    EXPECT_EQ(std::count(file.bytes().begin() + 4, file.bytes().end(), std::byte{0}), 4092);
    file.writable_bytes()[4] = std::byte{'!'};
  }
  {
    // Longer than asked: mapped whole, nothing cut.
    auto again = MappedFile::open_or_create(path, 10);
    EXPECT_EQ(again.size(), 4096u);
    EXPECT_EQ(as_text(again.bytes().first(5)), "kept!");
  }
  // Missing: created, zero-filled.
  const auto missing = dir / "missing.bin";
  auto created = MappedFile::open_or_create(missing, 100);
  EXPECT_EQ(created.size(), 100u);
  EXPECT_EQ(std::filesystem::file_size(missing), 100u);
  // Not a regular file: the same clear refusal open() gives.
  EXPECT_EQ(error_of([&] { (void)MappedFile::open_or_create(dir.path(), 100); }).errno_value(), EISDIR);
}

TEST(MappedFileCreate, CreateStillTruncatesAsDocumented) {
  ScratchDir dir;
  const auto path = dir.write("old.txt", "old contents");
  auto file = MappedFile::create(path, 3);
  EXPECT_EQ(as_text(file.bytes()), std::string(3, '\0'));
  EXPECT_EQ(read_with_read(path), std::string(3, '\0'));
}

TEST(MappedFileSync, WritesReachTheFileAndTheCreatedFilesDirectoryOnce) {
  ScratchDir dir;
  const auto sub = dir / "journal";
  std::filesystem::create_directory(sub);
  const auto path = sub / "records.bin";
  auto file = MappedFile::create_new(path, 4096);
  std::memcpy(file.writable_data() + 4000, "durable", 7);
  // The directory holding the new name goes away before sync(): sync() must try to fsync it, and
  // says so. (The file lives on through its descriptor and mapping.)
  std::filesystem::remove(path);
  std::filesystem::remove(sub);
  const Error e = error_of([&] { file.sync(); });
  EXPECT_EQ(e.errno_value(), ENOENT) << e.what();
  EXPECT_NE(std::string(e.what()).find("journal"), std::string::npos) << e.what();

  // Made again and synced: then the directory is done, and a later sync() does not look at it.
  std::filesystem::create_directory(sub);
  auto second = MappedFile::create_new(path, 4096);
  std::memcpy(second.writable_data(), "durable", 7);
  second.sync();
  EXPECT_EQ(read_with_read(path).substr(0, 7), "durable");
  const auto moved = dir / "records.bin";
  std::filesystem::rename(path, moved);
  std::filesystem::remove(sub);
  second.writable_bytes()[7] = std::byte{'!'};
  EXPECT_NO_THROW(second.sync());
  EXPECT_EQ(read_with_read(moved).substr(0, 8), "durable!");
}

TEST(MappedFileSync, AFileOpenedNotCreatedSyncsWithoutItsDirectory) {
  ScratchDir dir;
  const auto sub = dir / "d";
  std::filesystem::create_directory(sub);
  const auto path = sub / "x.txt";
  { auto f = MappedFile::create(path, 16); f.sync(); }
  auto reader = MappedFile::open(path);
  auto writer = MappedFile::open(path, FileOptions().access(Access::read_write));
  std::filesystem::remove(path);
  std::filesystem::remove(sub);
  writer.writable_bytes()[0] = std::byte{'w'};
  EXPECT_NO_THROW(writer.sync());
  EXPECT_NO_THROW(reader.sync());  // nothing dirty of its own; fdatasync takes a read-only descriptor
  EXPECT_EQ(reader.bytes()[0], std::byte{'w'});
}

}  // namespace
}  // namespace mapio
