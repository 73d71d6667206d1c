// Shared memory: anonymous maps inherited across fork(), and named objects (memfd_create, shm_open)
// that other processes open by name or receive as a descriptor, with seals so a reader can trust them.
//
//     // Parent and child share one page (the seed's example): MAP_SHARED | MAP_ANONYMOUS.
//     auto shared = mapio::Mapping::anonymous(4096, mapio::Sharing::shared);
//     auto& counter = shared.writable_object<int>(0);
//     if (fork() == 0) { counter = 42; _exit(0); }
//     wait(nullptr);                                        // counter == 42 here too
//
//     // A named POSIX object, created once, opened by others, unlinked when done.
//     auto region = mapio::SharedMemory::create("/mapio-demo", 1 << 20);
//     auto peer = mapio::SharedMemory::open("/mapio-demo");  // another process, same bytes
//     mapio::SharedMemory::unlink("/mapio-demo");
//
//     // A memfd whose size nobody can change any more: readers need not fear SIGBUS.
//     auto blob = mapio::SharedMemory::create_memfd("blob", 4096);
//     blob.seal(mapio::Seal::shrink | mapio::Seal::grow | mapio::Seal::seal);
//     send_descriptor(socket, blob.descriptor());
//
//     // Fill it, then freeze it: nobody (this process included) can change its bytes or size.
//     auto table = mapio::SharedMemory::create_memfd("table", 4096);
//     fill(table.writable_bytes());
//     table.freeze();                                        // table.writable() == false
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/mapping.hpp"

namespace mapio {

/// memfd seals (fcntl F_ADD_SEALS, memfd_create(2)). Combine with |.
enum class Seal : unsigned {
  none = 0,
  seal = 1,          ///< F_SEAL_SEAL: no more seals may be added
  shrink = 2,        ///< F_SEAL_SHRINK: the size cannot go down (no truncation under readers)
  grow = 4,          ///< F_SEAL_GROW: the size cannot go up
  write = 8,         ///< F_SEAL_WRITE: contents are frozen (needs no writable shared mapping alive)
  future_write = 16, ///< F_SEAL_FUTURE_WRITE: existing writable maps keep working, new ones are refused
};
constexpr Seal operator|(Seal a, Seal b) noexcept {
  return static_cast<Seal>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(Seal set, Seal seal) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(seal)) == static_cast<unsigned>(seal);
}

/// A shared memory object (memfd or POSIX shm) and a MAP_SHARED mapping of all of it.
class SharedMemory : public Mapping {
 public:
  SharedMemory() = default;

  /// memfd_create(2) with MFD_CLOEXEC | MFD_ALLOW_SEALING, sized to `size`, mapped read-write.
  static SharedMemory create_memfd(const std::string& name, std::size_t size);
  /// shm_open(3) with O_CREAT | O_EXCL: fails with EEXIST if `name` exists. `name` starts with '/'.
  /// A create that fails after shm_open (sizing or mapping) unlinks `name` again: it leaves nothing behind.
  static SharedMemory create(const std::string& name, std::size_t size, unsigned mode = 0600);
  /// shm_open(3) of an existing object; its size comes from fstat.
  static SharedMemory open(const std::string& name, Access access = Access::read_write);
  /// Maps a shared memory descriptor received from elsewhere (e.g. a memfd over a UNIX socket);
  /// mapio keeps its own duplicate. With read-only (or copy-on-write) access that duplicate is
  /// read-only even when `fd` can write (reopened through /proc/self/fd/N; mapio::Error when that
  /// is impossible). `description` names it in errors; default "fd N (memfd:NAME)".
  ///
  ///     auto view = mapio::SharedMemory::from_descriptor(received, mapio::Access::read_only);
  ///     view.resize(0);                                   // mapio::Error (EACCES): opened read-only
  static SharedMemory from_descriptor(int fd, Access access = Access::read_write, std::string description = {});
  /// shm_unlink(3). Mappings stay valid until unmapped.
  static void unlink(const std::string& name);
  /// Throws mapio::Error (EINVAL, with the rule) unless `name` is a name create, open and unlink
  /// take: '/' followed by at least one character and no further '/'. For a program that checks a
  /// name it was given before it does anything else.
  static void check_name(const std::string& name);

  /// Adds seals (F_ADD_SEALS); EPERM when the object is not a sealable memfd (a POSIX object) or is
  /// sealed against it; EACCES when this holder opened it read-only (a seal restricts the writers).
  void seal(Seal seals);
  /// The seals in force (F_GET_SEALS). A POSIX shm object, which can take none, reports Seal::seal
  /// as the kernel does: no seal may ever be added to it.
  Seal seals() const;
  /// ftruncate + mremap, like MappedFile::resize. Refused (EPERM) by shrink/grow seals, and by
  /// mapio (EACCES) when this holder opened the object read-only or copy-on-write.
  void resize(std::size_t new_size);
  /// Makes a memfd's contents final in one call: seals it against writes and size changes
  /// (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW), and maps it again read-only, through a read-only
  /// descriptor that replaces this object's own (so descriptor() hands out no write access either).
  /// A reader that checks seals() for write, shrink and grow can trust the bytes not to change under
  /// it. F_SEAL_WRITE waits for every writable shared mapping of the object to go, this one
  /// included (freeze() unmaps it first): another one still alive, here or in another process, is
  /// EBUSY, and then this object is left as it was. A POSIX shm object takes no seals: EINVAL.
  ///
  ///     auto table = mapio::SharedMemory::create_memfd("table", 4096);
  ///     std::ranges::fill(table.writable_bytes(), std::byte{7});
  ///     table.freeze();
  ///     send_descriptor(socket, table.descriptor());       // a read-only descriptor of sealed bytes
  void freeze();

  /// The descriptor mapio keeps: O_RDONLY unless the access is read_write, so that a read-only
  /// holder can neither write nor resize the object through it.
  int descriptor() const noexcept { return object_.get(); }
  Access access() const noexcept { return access_; }

 private:
  SharedMemory(Mapping mapping, FileDescriptor object, Access access)
      : Mapping(std::move(mapping)), object_(std::move(object)), access_(access) {}
  static SharedMemory map_object(FileDescriptor object, Access access);

  FileDescriptor object_;
  Access access_ = Access::read_write;
};

/// A process that has a shared memory object open: `pid`'s descriptor `fd`.
struct SharedMemoryHolder {
  int pid = 0;
  int fd = -1;
  std::string command;  ///< /proc/<pid>/comm
};

/// A shared memory object found on the system: a POSIX object in /dev/shm, or a memfd that some
/// process has open (memfds have no directory: /proc/<pid>/fd is where they show).
struct SharedMemoryObject {
  enum class Kind { posix, memfd };
  Kind kind = Kind::posix;
  std::string name;          ///< "/name" (POSIX, as shm_open takes it) or the memfd's name
  std::uint64_t size = 0;
  std::uint64_t inode = 0;   ///< the same object seen through several descriptors is listed once
  Seal seals = Seal::none;   ///< F_GET_SEALS (memfds)
  bool seals_known = false;  ///< false when the object could not be opened to ask (permissions)
  bool unlinked = false;     ///< POSIX: shm_unlink()ed, alive only while some process holds it
  std::vector<SharedMemoryHolder> holders;  ///< processes with it open, by pid then fd
};

/// Every POSIX shared memory object in `shm_dir` and every memfd open in a process under `proc`,
/// sorted by kind then name. Processes that cannot be inspected (another user's, without root)
/// are skipped, not errors; a missing `shm_dir` is an empty list.
///
///     for (const auto& o : mapio::list_shared_memory()) std::cout << o.name << ' ' << o.size << '\n';
std::vector<SharedMemoryObject> list_shared_memory(const std::filesystem::path& proc = "/proc",
                                                   const std::filesystem::path& shm_dir = "/dev/shm");

}  // namespace mapio
