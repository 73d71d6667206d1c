// Read a device register at a physical address from user space: the seed's devmem_preview, on mapio.
//
//   read_register ADDRESS [DEVICE]      e.g. read_register 0xfea00000   (QEMU's edu: 0x010000ed)
//
// The seed maps one page of /dev/mem at a page-aligned address and reads a volatile uint32_t. mapio
// does the same with what the seed warned about handled: any address (the page arithmetic is
// inside), O_SYNC for uncached device memory, volatile single-instruction accesses, and an error
// that says *why* the kernel refused (System RAM, a driver owns the range, no /dev/mem, lockdown).
// DEVICE (default /dev/mem) may be any file, which is how the tests run it without hardware.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <mapio/core/error.hpp>
#include <mapio/mmio/bus.hpp>
#include <mapio/mmio/physical.hpp>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s ADDRESS [DEVICE]\n", argv[0]);
    return 2;
  }
  char* end = nullptr;
  const std::uint64_t address = std::strtoull(argv[1], &end, 0);
  if (*end != '\0') {
    std::fprintf(stderr, "not an address: %s\n", argv[1]);
    return 2;
  }
  try {
    auto options = mapio::mmio::PhysicalOptions();
    if (argc == 3) options.device(argv[2]);
    auto window = mapio::mmio::PhysicalWindow::map(address, sizeof(std::uint32_t), options);  // read-only
    mapio::mmio::VolatileBus registers(window.mapping());
    const std::uint32_t value = registers.read<std::uint32_t>(0);  // one ordered 32-bit load
    std::printf("register at 0x%llx = 0x%08x\n", static_cast<unsigned long long>(address), value);
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
