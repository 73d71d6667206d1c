// vm_memlock_limit: runs a command as root without CAP_IPC_LOCK and with RLIMIT_MEMLOCK set to
// BYTES, so that a test can see what a program that pins memory (VFIO DMA) reports when the
// limit applies to it. Root ignores RLIMIT_MEMLOCK only through CAP_IPC_LOCK, and root regains
// every capability in its bounding and inheritable sets at execve(2): the capability is dropped
// from the bounding set (prctl PR_CAPBSET_DROP) and from the effective, permitted and inheritable
// sets (capset), and the ambient set is cleared. busybox has no capsh or prlimit to do this.
//
//     vm_memlock_limit 0 edu dma --vfio 0000:00:04.0      # MAP_DMA fails: RLIMIT_MEMLOCK
//     vm_memlock_limit 0 cat /proc/self/status            # CapEff without bit 14
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int fail(const char* operation) {
  std::fprintf(stderr, "vm_memlock_limit: %s: %s\n", operation, std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: vm_memlock_limit BYTES COMMAND [ARGUMENT...]\n", stderr);
    return 2;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long bytes = std::strtoull(argv[1], &end, 0);
  if (errno != 0 || end == argv[1] || *end != '\0') {
    std::fprintf(stderr, "vm_memlock_limit: '%s' is not a number of bytes\n", argv[1]);
    return 2;
  }

  if (::prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0) != 0) return fail("prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK)");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return fail("capget");
  const unsigned word = CAP_IPC_LOCK / 32;
  const unsigned bit = 1u << (CAP_IPC_LOCK % 32);
  data[word].effective &= ~bit;
  data[word].permitted &= ~bit;
  data[word].inheritable &= ~bit;
  if (::syscall(SYS_capset, &header, data) != 0) return fail("capset");

  const rlimit limit{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
  if (::setrlimit(RLIMIT_MEMLOCK, &limit) != 0) return fail("setrlimit(RLIMIT_MEMLOCK)");

  ::execvp(argv[2], argv + 2);
  std::fprintf(stderr, "vm_memlock_limit: execvp %s: %s\n", argv[2], std::strerror(errno));
  return 127;
}
