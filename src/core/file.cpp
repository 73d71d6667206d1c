#include "mapio/core/file.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio {
namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// Pseudo file systems whose files report size 0 but produce content on read().
const char* pseudo_file_system(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return nullptr;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC: return "procfs";
    case SYSFS_MAGIC: return "sysfs";
    case DEBUGFS_MAGIC: return "debugfs";
    case TRACEFS_MAGIC: return "tracefs";
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC: return "cgroupfs";
    case SECURITYFS_MAGIC: return "securityfs";
    default: return nullptr;
  }
}

/// The mappable size of the object behind `fd`, or an error saying why it cannot be mapped.
std::uint64_t mappable_size(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("stat", name);
  if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) {
      if (const char* fs = pseudo_file_system(fd)) {
        throw Error("map", name, ENODEV,
                    fmt::format("a {} file reports size 0 but is generated on read(); read it instead of mapping it",
                                fs));
      }
    }
    return static_cast<std::uint64_t>(st.st_size);
  }
  if (S_ISBLK(st.st_mode)) {
    std::uint64_t bytes = 0;
    if (sys::ioctl(fd, BLKGETSIZE64, &bytes) != 0) throw_errno("ioctl(BLKGETSIZE64)", name);
    return bytes;
  }
  const int err = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
  throw Error("map", name, err,
              fmt::format("{} cannot be mapped as a file; only regular files and block devices can{}",
                          file_kind(st.st_mode),
                          S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? " (read() a stream instead)" : ""));
}

Protection protection_for(Access access) {
  return access == Access::read_only ? Protection::read : Protection::read_write;
}

Sharing sharing_for(Access access) {
  return access == Access::copy_on_write ? Sharing::copy_on_write : Sharing::shared;
}

int open_flags_for(Access access) { return access == Access::read_write ? O_RDWR : O_RDONLY; }

}  // namespace

MappedFile MappedFile::open(const std::filesystem::path& path, const FileOptions& options) {
  // O_NONBLOCK so that opening a FIFO by mistake fails below instead of waiting for a writer.
  auto file = FileDescriptor::open(path, open_flags_for(options.access()) | O_NONBLOCK);
  const int flags = ::fcntl(file.get(), F_GETFL);
  if (flags >= 0) ::fcntl(file.get(), F_SETFL, flags & ~O_NONBLOCK);
  return map_open_file(std::move(file), options);
}

MappedFile MappedFile::open(int fd, const FileOptions& options, std::string description) {
  if (description.empty()) description = fmt::format("fd {}", fd);
  auto file = FileDescriptor::duplicate(fd, std::move(description));
  const int mode = ::fcntl(file.get(), F_GETFL) & O_ACCMODE;
  if (options.access() == Access::read_write && mode != O_RDWR) {
    throw Error("map", file.description(), EACCES,
                "a read-write mapping needs a descriptor opened O_RDWR");
  }
  if (mode == O_WRONLY) {
    throw Error("map", file.description(), EACCES, "a mapping needs a readable descriptor (not O_WRONLY)");
  }
  // Read-only and copy-on-write holders keep no write access to the file: a duplicate of an O_RDWR
  // descriptor would let descriptor() write and a shared mapping be made writable. What cannot be
  // mapped at all (a socket, a pipe) is left to map_open_file, which says why.
  struct stat st {};
  if (options.access() != Access::read_write && mode == O_RDWR && ::fstat(file.get(), &st) == 0 &&
      (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
    file = FileDescriptor::duplicate_read_only(file.get(), file.description());
  }
  return map_open_file(std::move(file), options);
}

MappedFile MappedFile::create(const std::filesystem::path& path, std::uint64_t size, unsigned mode) {
  auto file = FileDescriptor::open(path, O_RDWR | O_CREAT | O_TRUNC, mode);
  return map_created(std::move(file), path, size);
}

MappedFile MappedFile::create_new(const std::filesystem::path& path, std::uint64_t size, unsigned mode) {
  FileDescriptor file;
  try {
    file = FileDescriptor::open(path, O_RDWR | O_CREAT | O_EXCL, mode);
  } catch (const Error& e) {
    if (e.errno_value() != EEXIST) throw;
    throw Error("create", path.string(), EEXIST,
                "a file is there already and create_new() leaves it alone; open_or_create() keeps it, "
                "create() truncates it");
  }
  return map_created(std::move(file), path, size);
}

MappedFile MappedFile::open_or_create(const std::filesystem::path& path, std::uint64_t size, unsigned mode) {
  // O_EXCL first, to know whether this call made the file (its directory then needs an fsync in
  // sync()); a file that is there is opened as it is. Another process may create or remove it in
  // between: a few tries settle that race.
  for (int attempt = 0;; ++attempt) {
    try {
      return map_created(FileDescriptor::open(path, O_RDWR | O_CREAT | O_EXCL, mode), path, size);
    } catch (const Error& e) {
      if (e.errno_value() != EEXIST) throw;
    }
    try {
      auto file = FileDescriptor::open(path, O_RDWR | O_NONBLOCK);
      const int flags = ::fcntl(file.get(), F_GETFL);
      if (flags >= 0) ::fcntl(file.get(), F_SETFL, flags & ~O_NONBLOCK);
      if (mappable_size(file.get(), file.description()) < size &&
          ::ftruncate(file.get(), static_cast<off_t>(size)) != 0) {
        throw_errno("ftruncate", fmt::format("{} [size {}]", path.string(), size));
      }
      return map_open_file(std::move(file), FileOptions().access(Access::read_write));
    } catch (const Error& e) {
      if (e.errno_value() != ENOENT || attempt >= 3) throw;
    }
  }
}

MappedFile MappedFile::map_created(FileDescriptor file, const std::filesystem::path& path, std::uint64_t size) {
  if (::ftruncate(file.get(), static_cast<off_t>(size)) != 0) {
    throw_errno("ftruncate", fmt::format("{} [size {}]", path.string(), size));
  }
  auto mapped = map_open_file(std::move(file), FileOptions().access(Access::read_write));
  // Absolute, so that a chdir() before sync() does not send the fsync elsewhere.
  std::error_code error;
  const auto absolute = std::filesystem::absolute(path, error);
  mapped.unsynced_directory_ = !error ? absolute.parent_path()
                               : path.has_parent_path() ? path.parent_path()
                                                        : std::filesystem::path(".");
  return mapped;
}

MappedFile MappedFile::map_open_file(FileDescriptor file, const FileOptions& options) {
  const std::string& name = file.description();
  const std::uint64_t file_size = mappable_size(file.get(), name);
  const std::uint64_t offset = options.offset();
  if (offset > file_size) {
    throw Error("map", fmt::format("{} [offset {}]", name, offset), ERANGE,
                fmt::format("the offset is past the end of the file ({} bytes)", file_size));
  }
  std::uint64_t length = file_size - offset;
  if (options.length()) {
    length = *options.length();
    if (length > std::numeric_limits<std::uint64_t>::max() - offset) {
      throw Error("map", fmt::format("{} [offset {}, length {}]", name, offset, length), EOVERFLOW,
                  "offset + length overflows");
    }
    if (offset + length > file_size) {
      throw Error("map", fmt::format("{} [offset {}, length {}]", name, offset, length), ERANGE,
                  fmt::format("the range ends past the end of the file ({} bytes); {}", file_size,
                              options.access() == Access::read_write
                                  ? "resize() grows a file"
                                  : "a reader maps what is there and calls refresh() when the file has grown"));
    }
  }
  if (length > std::numeric_limits<std::size_t>::max()) {
    throw Error("map", fmt::format("{} [offset {}, length {}]", name, offset, length), EOVERFLOW,
                "the length does not fit in the address space");
  }
  auto mapping = Mapping::map_descriptor(file.get(), offset, static_cast<std::size_t>(length),
                                         protection_for(options.access()), sharing_for(options.access()), name,
                                         MapFlags{options.populate(), false});
  return MappedFile(std::move(mapping), std::move(file), options.access());
}

std::uint64_t MappedFile::file_size() const {
  struct stat st {};
  if (::fstat(file_.get(), &st) != 0) throw_errno("stat", description());
  return static_cast<std::uint64_t>(st.st_size);
}

void MappedFile::resize(std::uint64_t new_file_size) {
  if (access_ != Access::read_write) {
    throw Error("resize", description(), EACCES,
                access_ == Access::read_only
                    ? "the file was opened read-only; only a read-write (shared) file mapping can resize its file"
                    : "the file was opened read-only for a copy-on-write mapping; only a read-write (shared) file "
                      "mapping can resize its file");
  }
  if (new_file_size < offset()) {
    throw Error("resize", fmt::format("{} [size {}]", description(), new_file_size), EINVAL,
                fmt::format("the new size would end before the mapping's offset {}", offset()));
  }
  const std::uint64_t new_view = new_file_size - offset();
  if (new_view > std::numeric_limits<std::size_t>::max()) {
    throw Error("resize", fmt::format("{} [size {}]", description(), new_file_size), EOVERFLOW,
                "the new length does not fit in the address space");
  }
  // The file first: if ftruncate fails (disk full, a lease, a seal) nothing has changed.
  if (::ftruncate(file_.get(), static_cast<off_t>(new_file_size)) != 0) {
    throw_errno("ftruncate", fmt::format("{} [size {}]", description(), new_file_size));
  }
  if (empty() && new_view > 0) {
    // Nothing was mapped (the file was empty): map afresh.
    static_cast<Mapping&>(*this) = Mapping::map_descriptor(file_.get(), offset(), static_cast<std::size_t>(new_view),
                                                           Protection::read_write, Sharing::shared, description());
  } else {
    remap(static_cast<std::size_t>(new_view));
  }
}

void MappedFile::refresh() {
  const std::uint64_t now = mappable_size(file_.get(), description());
  map_length("refresh", now > offset() ? now - offset() : 0);
}

void MappedFile::refresh(std::uint64_t length) {
  const std::uint64_t now = mappable_size(file_.get(), description());
  if (length > std::numeric_limits<std::uint64_t>::max() - offset()) {
    throw Error("refresh", fmt::format("{} [offset {}, length {}]", description(), offset(), length), EOVERFLOW,
                "offset + length overflows");
  }
  if (offset() + length > now) {
    throw Error("refresh", fmt::format("{} [offset {}, length {}]", description(), offset(), length), ERANGE,
                fmt::format("the file holds {} bytes: the range would end past its end", now));
  }
  map_length("refresh", length);
}

void MappedFile::map_length(const char* operation, std::uint64_t length) {
  if (length > std::numeric_limits<std::size_t>::max()) {
    throw Error(operation, fmt::format("{} [offset {}, length {}]", description(), offset(), length), EOVERFLOW,
                "the length does not fit in the address space");
  }
  const auto bytes = static_cast<std::size_t>(length);
  if (bytes == size()) return;
  if (empty()) {
    // Nothing is mapped (the file was empty, or shorter than the offset): map afresh, as before.
    static_cast<Mapping&>(*this) =
        Mapping::map_descriptor(file_.get(), offset(), bytes, protection(), sharing(), description());
  } else {
    remap(bytes);
  }
}

void MappedFile::sync() const {
  flush(FlushMode::sync);
  // fdatasync reaches the device (and flushes its write cache); msync alone stops at the file.
  // EINVAL: an object that has nothing to sync (some special files).
  if (::fdatasync(file_.get()) != 0 && errno != EINVAL) throw_errno("fdatasync", description());
  if (!unsynced_directory_.empty()) {
    // A new file's name lives in its directory: without this a power cut can lose the file whole.
    auto directory = FileDescriptor::open(unsynced_directory_, O_RDONLY | O_DIRECTORY);
    if (::fsync(directory.get()) != 0) throw_errno("fsync", unsynced_directory_.string());
    unsynced_directory_.clear();
  }
}

void evict_from_page_cache(const std::filesystem::path& path) {
  // O_NONBLOCK: a FIFO given by mistake is refused below instead of waiting for a writer.
  auto file = FileDescriptor::open(path, O_RDONLY | O_NONBLOCK);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw Error("fstat", path.string(), errno);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    throw Error("evict from page cache", path.string(), S_ISDIR(st.st_mode) ? EISDIR : ENODEV,
                "only regular files and block devices have pages to drop");
  }
  // The kernel drops clean pages only: write dirty ones back first, or a file just written would
  // stay in memory. fdatasync works on a read-only descriptor.
  if (::fdatasync(file.get()) != 0 && errno != EINVAL) throw Error("fdatasync", path.string(), errno);
  // posix_fadvise returns the error number instead of setting errno.
  if (const int err = ::posix_fadvise(file.get(), 0, 0, POSIX_FADV_DONTNEED); err != 0) {
    throw Error("posix_fadvise(POSIX_FADV_DONTNEED)", path.string(), err);
  }
}

}  // namespace mapio
