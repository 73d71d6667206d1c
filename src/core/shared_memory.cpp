#include "mapio/core/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "mapio/core/error.hpp"

namespace mapio {
namespace {

unsigned to_fcntl_seals(Seal seals) {
  unsigned out = 0;
  if (has(seals, Seal::seal)) out |= F_SEAL_SEAL;
  if (has(seals, Seal::shrink)) out |= F_SEAL_SHRINK;
  if (has(seals, Seal::grow)) out |= F_SEAL_GROW;
  if (has(seals, Seal::write)) out |= F_SEAL_WRITE;
  if (has(seals, Seal::future_write)) out |= F_SEAL_FUTURE_WRITE;
  return out;
}

Seal from_fcntl_seals(int bits) {
  Seal out = Seal::none;
  if (bits & F_SEAL_SEAL) out = out | Seal::seal;
  if (bits & F_SEAL_SHRINK) out = out | Seal::shrink;
  if (bits & F_SEAL_GROW) out = out | Seal::grow;
  if (bits & F_SEAL_WRITE) out = out | Seal::write;
  if (bits & F_SEAL_FUTURE_WRITE) out = out | Seal::future_write;
  return out;
}

void check_shm_name(const std::string& name, const char* operation) {
  // shm_open(3) wants one path component with a leading slash; anything else is not portable.
  if (name.size() < 2 || name[0] != '/' || name.find('/', 1) != std::string::npos) {
    throw Error(operation, name, EINVAL, "a shared memory name is '/' followed by a name without further slashes");
  }
}

void set_size(const FileDescriptor& object, std::size_t size) {
  if (::ftruncate(object.get(), static_cast<off_t>(size)) != 0) {
    int err = errno;
    throw Error("ftruncate", fmt::format("{} [size {}]", object.description(), size), err,
                err == EPERM ? "the object is sealed against this size change (F_SEAL_SHRINK / F_SEAL_GROW)" : "");
  }
}

// What /proc/self/fd/N names the object behind `fd` ("/memfd:blob (deleted)", "/dev/shm/x"); empty
// when it cannot be read.
std::string link_target(int fd) {
  char target[512];
  const ssize_t n = ::readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), target, sizeof target);
  return n <= 0 ? std::string() : std::string(target, static_cast<std::size_t>(n));
}

bool is_memfd(int fd) { return link_target(fd).starts_with("/memfd:"); }

// "fd 3 (memfd:blob)": a received descriptor named by its number and, when /proc says, its object.
std::string describe_descriptor(int fd) {
  std::string target = link_target(fd);
  if (target.starts_with("/memfd:")) {
    target = target.substr(1);
    if (target.ends_with(" (deleted)")) target.resize(target.size() - 10);
  }
  return target.empty() ? fmt::format("fd {}", fd) : fmt::format("fd {} ({})", fd, target);
}

[[noreturn]] void throw_opened_read_only(const char* operation, const std::string& subject, Access access) {
  throw Error(operation, subject, EACCES,
              access == Access::read_only
                  ? "the object was opened read-only; only a read-write holder may change it"
                  : "the object was opened read-only for a copy-on-write mapping; only a read-write holder may "
                    "change it");
}

std::size_t object_size(const FileDescriptor& object) {
  struct stat st {};
  if (::fstat(object.get(), &st) != 0) throw_errno("stat", object.description());
  return static_cast<std::size_t>(st.st_size);
}

}  // namespace

SharedMemory SharedMemory::map_object(FileDescriptor object, Access access) {
  const std::size_t size = object_size(object);
  std::string name = object.description();
  auto mapping = Mapping::map_descriptor(object.get(), 0, size,
                                         access == Access::read_only ? Protection::read : Protection::read_write,
                                         access == Access::copy_on_write ? Sharing::copy_on_write : Sharing::shared,
                                         std::move(name));
  return SharedMemory(std::move(mapping), std::move(object), access);
}

SharedMemory SharedMemory::create_memfd(const std::string& name, std::size_t size) {
  int fd = ::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw_errno("memfd_create", name);
  FileDescriptor object(fd, fmt::format("memfd:{}", name));
  set_size(object, size);
  return map_object(std::move(object), Access::read_write);
}

SharedMemory SharedMemory::create(const std::string& name, std::size_t size, unsigned mode) {
  check_shm_name(name, "shm_open");
  int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    int err = errno;
    throw Error("shm_open", name, err, err == EEXIST ? "it exists already: open() it, or unlink() it first" : "");
  }
  FileDescriptor object(fd, fmt::format("shm:{}", name));
  // The name exists from here on: whatever fails next (the size, or mapping a size the address
  // space cannot hold) unlinks it, so a failed create leaves nothing behind. The descriptor closes
  // with `object` on the way out.
  try {
    set_size(object, size);
    return map_object(std::move(object), Access::read_write);
  } catch (...) {
    ::shm_unlink(name.c_str());
    throw;
  }
}

SharedMemory SharedMemory::open(const std::string& name, Access access) {
  check_shm_name(name, "shm_open");
  int fd = ::shm_open(name.c_str(), (access == Access::read_write ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
  if (fd < 0) throw_errno("shm_open", name);
  return map_object(FileDescriptor(fd, fmt::format("shm:{}", name)), access);
}

SharedMemory SharedMemory::from_descriptor(int fd, Access access, std::string description) {
  if (description.empty()) description = describe_descriptor(fd);
  // A read-only (or copy-on-write) holder keeps no write access: a duplicate of a writable
  // descriptor would let it resize, seal or pwrite the object, and make its mapping writable.
  return map_object(access == Access::read_write ? FileDescriptor::duplicate(fd, std::move(description))
                                                 : FileDescriptor::duplicate_read_only(fd, std::move(description)),
                    access);
}

void SharedMemory::check_name(const std::string& name) { check_shm_name(name, "check shared memory name"); }

void SharedMemory::unlink(const std::string& name) {
  check_shm_name(name, "shm_unlink");
  if (::shm_unlink(name.c_str()) != 0) throw_errno("shm_unlink", name);
}

void SharedMemory::seal(Seal seals) {
  if (access_ != Access::read_write) throw_opened_read_only("fcntl(F_ADD_SEALS)", object_.description(), access_);
  if (::fcntl(object_.get(), F_ADD_SEALS, static_cast<int>(to_fcntl_seals(seals))) != 0) {
    int err = errno;
    std::string why;
    const bool memfd = is_memfd(object_.get());
    if (err == EINVAL) why = "only a memfd created with sealing allowed can be sealed";
    // The kernel creates every tmpfs file but a sealable memfd with F_SEAL_SEAL already set, so a
    // POSIX object (shm_open) answers as if someone had sealed it.
    if (err == EPERM) {
      why = memfd ? "the memfd is sealed with F_SEAL_SEAL (or was created without MFD_ALLOW_SEALING): no more seals"
                  : "only a memfd takes seals (create_memfd); a POSIX shared memory object (shm_open) cannot be "
                    "sealed";
    }
    if (err == EBUSY) why = "F_SEAL_WRITE needs every writable shared mapping gone; unmap them or use future_write";
    throw Error("fcntl(F_ADD_SEALS)", object_.description(), err, why);
  }
}

Seal SharedMemory::seals() const {
  int bits = ::fcntl(object_.get(), F_GET_SEALS);
  if (bits < 0) {
    if (errno == EINVAL) return Seal::none;  // not a sealable object (e.g. POSIX shm)
    throw_errno("fcntl(F_GET_SEALS)", object_.description());
  }
  return from_fcntl_seals(bits);
}

void SharedMemory::freeze() {
  const int bits = ::fcntl(object_.get(), F_GET_SEALS);
  if (bits < 0) {
    const int err = errno;
    throw Error("freeze", object_.description(), err,
                err == EINVAL ? "only a memfd takes seals; a POSIX shared memory object cannot be frozen" : "");
  }
  constexpr int frozen = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
  // A POSIX shm object (tmpfs) answers F_GET_SEALS with F_SEAL_SEAL: no seal can ever be added.
  // Its /proc/self/fd link tells it from a memfd, whose target reads "/memfd:NAME (deleted)".
  std::error_code unreadable;
  const auto target = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", object_.get()), unreadable);
  if (!unreadable && target.string().rfind("/memfd:", 0) != 0) {
    throw Error("freeze", object_.description(), EINVAL,
                "only a memfd takes seals; a POSIX shared memory object cannot be frozen");
  }
  if ((bits & F_SEAL_SEAL) != 0 && (bits & frozen) != frozen) {
    throw Error("freeze", object_.description(), EPERM,
                "the memfd takes no more seals (F_SEAL_SEAL, or created without MFD_ALLOW_SEALING) and lacks "
                "the write, shrink and grow seals; it cannot be frozen");
  }
  // The read-only descriptor first: if it cannot be had, nothing has changed yet.
  FileDescriptor read_only(FileDescriptor::open(fmt::format("/proc/self/fd/{}", object_.get()), O_RDONLY).release(),
                           object_.description());
  const Protection protection_before = protection();
  const Sharing sharing_before = sharing();
  const std::size_t size_before = size();
  // F_SEAL_WRITE is refused while a writable shared mapping exists, and this object's is one.
  unmap();
  if ((bits & frozen) != frozen && ::fcntl(object_.get(), F_ADD_SEALS, frozen) != 0) {
    const int err = errno;
    // Put back what was there, so that a refused freeze leaves the object usable as before.
    static_cast<Mapping&>(*this) = Mapping::map_descriptor(object_.get(), 0, size_before, protection_before,
                                                           sharing_before, object_.description());
    throw Error("freeze", object_.description(), err,
                err == EBUSY ? "another writable shared mapping of it is alive (in this process or another); "
                               "unmap it first"
                             : "");
  }
  static_cast<Mapping&>(*this) = Mapping::map_descriptor(read_only.get(), 0, object_size(read_only), Protection::read,
                                                         Sharing::shared, read_only.description());
  object_ = std::move(read_only);
}

void SharedMemory::resize(std::size_t new_size) {
  if (access_ != Access::read_write) {
    throw_opened_read_only("resize", fmt::format("{} [size {}]", object_.description(), new_size), access_);
  }
  // Size first: if the object refuses (a seal), nothing has changed. In between, the mapping may
  // extend past the end for a moment; nothing reads it inside resize().
  set_size(object_, new_size);
  if (empty() && new_size > 0) {
    static_cast<Mapping&>(*this) = Mapping::map_descriptor(object_.get(), 0, new_size, protection(), sharing(),
                                                           object_.description());
  } else {
    remap(new_size);
  }
}

}  // namespace mapio
