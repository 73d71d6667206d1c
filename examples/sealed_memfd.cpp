// sealed_memfd: shared memory whose size nobody can change, so readers need not fear SIGBUS.
//
// A memfd (memfd_create(2)) is a file that lives only in memory; its descriptor can be passed to
// another process, which maps the same pages. A reader of memory someone else controls has one worry:
// if the owner shrinks it, the reader's mapping raises SIGBUS. Seals (fcntl(2) F_ADD_SEALS) settle
// that for good: after Seal::shrink | Seal::grow the kernel refuses every size change, and after
// Seal::seal no one can even add or take seals any more.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mapio/core/error.hpp"
#include "mapio/core/shared_memory.hpp"

namespace {

void try_resize(mapio::SharedMemory& memory, std::size_t new_size) {
  try {
    memory.resize(new_size);
    std::printf("resize to %zu: done\n", new_size);
  } catch (const mapio::Error& e) {
    std::printf("resize to %zu: refused (%s)\n", new_size, e.errno_value() == EPERM ? "EPERM" : strerror(e.errno_value()));
  }
}

}  // namespace

int main() {
  try {
    auto memory = mapio::SharedMemory::create_memfd("sealed-example", 8192);
    std::memcpy(memory.writable_data(), "hello through a memfd", 21);
    std::printf("memfd of %zu bytes, holds \"%.21s\"\n", memory.size(), reinterpret_cast<const char*>(memory.data()));

    // Before sealing, the owner may still resize it.
    try_resize(memory, 4096);

    memory.seal(mapio::Seal::shrink | mapio::Seal::grow | mapio::Seal::seal);
    std::printf("sealed against shrink and grow, and against further seals\n");

    try_resize(memory, 2048);
    try_resize(memory, 16384);

    // The seal is in the kernel, not in mapio: a plain ftruncate(2) on the descriptor is refused too.
    const int rc = ::ftruncate(memory.descriptor(), 0);
    std::printf("ftruncate(fd, 0): %s\n", rc == 0 ? "done" : errno == EPERM ? "refused (EPERM)" : strerror(errno));

    try {
      memory.seal(mapio::Seal::write);
      std::printf("adding a write seal: done\n");
    } catch (const mapio::Error& e) {
      std::printf("adding a write seal: refused (%s)\n", e.errno_value() == EPERM ? "EPERM" : strerror(e.errno_value()));
    }
    std::printf("size is still %zu bytes, contents \"%.21s\"\n", memory.size(),
                reinterpret_cast<const char*>(memory.data()));

    // What any process (with the right to look) sees of it: `mapio shm` lists the same.
    for (const auto& object : mapio::list_shared_memory()) {
      if (object.name != "sealed-example") continue;
      const bool ours = !object.holders.empty() && object.holders.front().pid == ::getpid();
      std::printf("listed: memfd \"%s\", %llu bytes, seals %s, held by %s\n", object.name.c_str(),
                  static_cast<unsigned long long>(object.size),
                  object.seals == memory.seals() ? "as set" : "DIFFERENT", ours ? "this process" : "someone else");
    }
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "sealed_memfd: %s\n", e.what());
    return 1;
  }
  return 0;
}
