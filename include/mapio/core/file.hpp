// MappedFile: a file, or any byte range of it, mapped into memory.
//
//     // Read-only, whole file. bytes() is exactly the file's contents.
//     auto log = mapio::MappedFile::open("/var/log/syslog");
//     auto lines = std::count(log.bytes().begin(), log.bytes().end(), std::byte{'\n'});
//
//     // Any offset: mapio maps from the page below and hands back exactly these 100 bytes.
//     auto part = mapio::MappedFile::open("data.bin", mapio::FileOptions().offset(4097).length(100));
//
//     // Read-write (MAP_SHARED): writes reach the file. flush() (msync) writes them back;
//     // sync() (msync + fdatasync, + fsync of the directory after a create) survives a power cut.
//     auto rw = mapio::MappedFile::open("data.bin", mapio::FileOptions().access(mapio::Access::read_write));
//     rw.writable_bytes()[0] = std::byte{'H'};
//     rw.sync();
//
//     // A new file, never someone else's: EEXIST if it is there. Grow it and its mapping in one
//     // step (ftruncate + mremap); contents are kept.
//     auto journal = mapio::MappedFile::create_new("journal.bin", 4096);
//     journal.resize(1 << 20);
//     auto state = mapio::MappedFile::open_or_create("state.bin", 4096);   // keeps what is there
//
//     // Follow a file another process appends to: refresh() maps what it holds now.
//     auto tail = mapio::MappedFile::open("app.log");
//     std::size_t seen = tail.size();
//     tail.refresh();                          // tail.bytes().subspan(seen) is what was appended
//
// Rules (each enforced with a mapio::Error naming the operation, the path and the reason):
// - An empty file, or an empty range, maps to an empty MappedFile (size 0). No EINVAL from mmap.
// - An offset past the end of the file is ERANGE; a range past the end is ERANGE (a writer grows a
//   file with resize(): writing past the end of a mapping cannot extend it; a reader waits for it to
//   grow and calls refresh()); offset + length overflowing is EOVERFLOW.
// - Only regular files and block devices map: a directory is EISDIR, a pipe, socket or character
//   device is ENODEV, and a /proc or /sys file (whose size reads as 0 but which has content) is
//   ENODEV with a hint to read() it instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/mapping.hpp"

namespace mapio {

/// How the file is opened and mapped.
enum class Access {
  read_only,      ///< O_RDONLY, PROT_READ, MAP_SHARED
  read_write,     ///< O_RDWR, PROT_READ|PROT_WRITE, MAP_SHARED: writes reach the file
  copy_on_write,  ///< O_RDONLY, PROT_READ|PROT_WRITE, MAP_PRIVATE: writes stay in this process
};

/// What to map, as a builder that reads like a sentence:
///
///     mapio::FileOptions().access(mapio::Access::read_write).offset(4097).length(100).populate()
class FileOptions {
 public:
  FileOptions& access(Access access) noexcept { access_ = access; return *this; }
  /// Any byte offset; default 0.
  FileOptions& offset(std::uint64_t offset) noexcept { offset_ = offset; return *this; }
  /// Default: from the offset to the end of the file.
  FileOptions& length(std::uint64_t length) noexcept { length_ = length; return *this; }
  /// MAP_POPULATE: read every page in before open() returns.
  FileOptions& populate(bool on = true) noexcept { populate_ = on; return *this; }

  Access access() const noexcept { return access_; }
  std::uint64_t offset() const noexcept { return offset_; }
  const std::optional<std::uint64_t>& length() const noexcept { return length_; }
  bool populate() const noexcept { return populate_; }

 private:
  Access access_ = Access::read_only;
  std::uint64_t offset_ = 0;
  std::optional<std::uint64_t> length_;
  bool populate_ = false;
};

class MappedFile : public Mapping {
 public:
  MappedFile() = default;

  /// Opens `path` and maps it as `options` say.
  static MappedFile open(const std::filesystem::path& path, const FileOptions& options = {});
  /// Maps an open descriptor the caller keeps owning (mapio keeps its own duplicate, so the
  /// caller may close theirs). `description` names it in errors; default "fd N". For read-only and
  /// copy-on-write access mapio keeps a read-only descriptor even when `fd` can write (reopened
  /// through /proc/self/fd/N; mapio::Error when that is impossible).
  static MappedFile open(int fd, const FileOptions& options = {}, std::string description = {});
  /// Creates `path` with `size` bytes of zeros and maps it read-write. Destructive: an existing
  /// file at `path` is truncated, its contents lost (O_TRUNC). To keep an existing file use
  /// open_or_create(); to refuse one, create_new().
  static MappedFile create(const std::filesystem::path& path, std::uint64_t size, unsigned mode = 0644);
  /// Creates `path` with `size` bytes of zeros and maps it read-write, only if nothing is there
  /// (O_CREAT | O_EXCL): an existing file, or a symbolic link, is EEXIST and left alone.
  ///
  ///     auto lock = mapio::MappedFile::create_new("run/app.state", 4096);   // EEXIST: someone has it
  static MappedFile create_new(const std::filesystem::path& path, std::uint64_t size, unsigned mode = 0644);
  /// Maps `path` read-write, creating it with `size` bytes of zeros if it does not exist. An
  /// existing file keeps its bytes: one shorter than `size` is grown to it (zeros after its end),
  /// a longer one is mapped whole and not cut.
  ///
  ///     auto counters = mapio::MappedFile::open_or_create("counters.bin", 4096);   // survives restarts
  static MappedFile open_or_create(const std::filesystem::path& path, std::uint64_t size, unsigned mode = 0644);

  /// Sets the file's size to `new_file_size` and remaps so the mapping again reaches the end of the
  /// file; contents up to the smaller size are kept. Read-write mappings only: a file opened
  /// read-only (or copy-on-write) is refused with mapio::Error (EACCES). data() may move:
  /// take spans afresh after a resize. ftruncate runs first, so a refused size change (ENOSPC, a
  /// seal, a lease) leaves file and mapping as they were.
  void resize(std::uint64_t new_file_size);

  /// Maps the file as it is now, from the same offset to its end: what a reader calls when another
  /// process appends to the file (or cuts it: then the mapping shrinks with it, so nothing past
  /// the new end is left to fault). Any access; the file is not changed. data() may move: take
  /// spans afresh. A file that is now shorter than the offset leaves an empty mapping.
  ///
  ///     auto log = mapio::MappedFile::open("app.log");
  ///     for (std::size_t seen = 0;; seen = log.size()) {
  ///       log.refresh();
  ///       consume(log.bytes().subspan(seen));    // the bytes appended since the last look
  ///       wait_a_little();
  ///     }
  void refresh();
  /// The same, mapping `length` bytes from the offset: ERANGE when the file does not hold them yet
  /// (resize() is the writer's way to make it longer).
  void refresh(std::uint64_t length);

  /// The durable write: msync(MS_SYNC) of the mapping, then fdatasync(2) of the file, and, the
  /// first time after create(), create_new() or open_or_create() made the file, fsync(2) of its
  /// directory so that the name survives too. When sync() returns, the bytes written through the
  /// mapping, the file's size and (after a create) its name are on the storage device and survive
  /// a power loss or a kernel crash. flush() writes the pages back but promises nothing about the
  /// file's size, its name or the device's cache: use it to share, sync() to keep.
  /// Works on any access (a read-only mapping has nothing dirty, but fdatasync still writes back
  /// what others wrote through the file).
  ///
  ///     auto journal = mapio::MappedFile::create_new("journal.bin", 1 << 20);
  ///     std::memcpy(journal.writable_data(), record, sizeof record);
  ///     journal.sync();   // now the record, the file and its name are on disk
  void sync() const;

  /// The file's current size (fstat), which another process may have changed.
  std::uint64_t file_size() const;
  Access access() const noexcept { return access_; }
  /// The descriptor mapio keeps: O_RDONLY unless the access is read_write, so that nothing done
  /// through it by a read-only holder changes the file.
  int descriptor() const noexcept { return file_.get(); }

 private:
  MappedFile(Mapping mapping, FileDescriptor file, Access access)
      : Mapping(std::move(mapping)), file_(std::move(file)), access_(access) {}
  static MappedFile map_open_file(FileDescriptor file, const FileOptions& options);
  static MappedFile map_created(FileDescriptor file, const std::filesystem::path& path, std::uint64_t size);
  void map_length(const char* operation, std::uint64_t length);

  FileDescriptor file_;
  Access access_ = Access::read_only;
  // The directory of a file this object created, until sync() has made its entry durable.
  mutable std::filesystem::path unsynced_directory_;
};

/// Asks the kernel to drop `path`'s pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED),
/// as `vmtouch -e` does, so that the next read comes from the disk. Dirty pages are written back
/// first (fdatasync), since the kernel drops clean pages only. A request, not an order: pages some
/// process has mapped stay, and a file on tmpfs lives in the page cache. A directory is EISDIR,
/// a pipe, socket or character device ENODEV.
///
///     mapio::evict_from_page_cache("big.log");   // then: cold-cache measurements
void evict_from_page_cache(const std::filesystem::path& path);

}  // namespace mapio
