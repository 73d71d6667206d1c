// MappedFile: a file, or any byte range of it, mapped into memory.
//
//     // Read-only, whole file. bytes() is exactly the file's contents.
//     auto log = mapio::MappedFile::open("/var/log/syslog");
//     auto lines = std::count(log.bytes().begin(), log.bytes().end(), std::byte{'\n'});
//
//     // Any offset: mapio maps from the page below and hands back exactly these 100 bytes.
//     auto part = mapio::MappedFile::open("data.bin", mapio::FileOptions().offset(4097).length(100));
//
//     // Read-write (MAP_SHARED): writes reach the file; flush() makes them durable (msync).
//     auto rw = mapio::MappedFile::open("data.bin", mapio::FileOptions().access(mapio::Access::read_write));
//     rw.writable_bytes()[0] = std::byte{'H'};
//     rw.flush();
//
//     // Grow the file and its mapping in one step (ftruncate + mremap); contents are kept.
//     auto journal = mapio::MappedFile::create("journal.bin", 4096);
//     journal.resize(1 << 20);
//
// Rules (each enforced with a mapio::Error naming the operation, the path and the reason):
// - An empty file, or an empty range, maps to an empty MappedFile (size 0). No EINVAL from mmap.
// - An offset past the end of the file is ERANGE; a range past the end is ERANGE (use resize() to
//   grow a file: writing past the end of a mapping cannot extend it); offset + length overflowing is
//   EOVERFLOW.
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
  /// Creates (or truncates) `path` with `size` bytes of zeros and maps it read-write.
  static MappedFile create(const std::filesystem::path& path, std::uint64_t size, unsigned mode = 0644);

  /// Sets the file's size to `new_file_size` and remaps so the mapping again reaches the end of the
  /// file; contents up to the smaller size are kept. Read-write mappings only: a file opened
  /// read-only (or copy-on-write) is refused with mapio::Error (EACCES). data() may move:
  /// take spans afresh after a resize. ftruncate runs first, so a refused size change (ENOSPC, a
  /// seal, a lease) leaves file and mapping as they were.
  void resize(std::uint64_t new_file_size);

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

  FileDescriptor file_;
  Access access_ = Access::read_only;
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
