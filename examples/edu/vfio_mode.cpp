// `edu dma --vfio 0000:00:04.0 [--intx] [--length N]`: edu's DMA engine driven through VFIO.
//
// The device is owned through VFIO (container, group, device); BAR0 is mapped from the device fd,
// bus mastering is switched on through the config region, and two page-aligned host buffers are
// mapped for DMA at IOVAs below 2^28 (edu's DMA mask: higher addresses wrap silently and fault in
// the IOMMU). edu copies the first buffer into its own 4 KiB buffer (0x40000) and from there into
// the second one; each completion interrupt arrives on an eventfd, as MSI or (--intx) as INTx,
// which VFIO masks on delivery and mapio unmasks (VFIO_IRQ_SET_ACTION_UNMASK) after the acknowledge.
// Transfers are at most 4095 bytes: QEMU 7.2's edu aborts when a transfer touches 0x40fff.
//
// In the guest (q35 + intel-iommu, intel_iommu=on):
//   insmod vfio.ko; insmod vfio_iommu_type1.ko; insmod irqbypass.ko; insmod vfio_virqfd.ko
//   insmod vfio-pci-core.ko; insmod vfio-pci.ko
//   echo "1234 11e8" > /sys/bus/pci/drivers/vfio-pci/new_id
//   edu dma --vfio 0000:00:04.0
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mapio/mmio/vfio.hpp"
#include "mapio/core/page.hpp"
#include "mode.hpp"

namespace {

using namespace std::chrono_literals;
using mapio::mmio::VfioIrq;

constexpr std::uint64_t source_iova = 0x100000;       // 1 MiB: far below edu's 2^28 DMA mask
constexpr std::uint64_t destination_iova = 0x200000;  // 2 MiB

struct Arguments {
  std::string device;
  bool intx = false;
  std::size_t length = edu::max_transfer;
};

bool parse(const std::vector<std::string>& words, Arguments& out) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--vfio" && i + 1 < words.size()) {
      out.device = words[++i];
    } else if (words[i] == "--intx") {
      out.intx = true;
    } else if (words[i] == "--length" && i + 1 < words.size()) {
      char* end = nullptr;
      out.length = std::strtoul(words[++i].c_str(), &end, 0);
      if (*end != '\0') return false;
    } else {
      return false;
    }
  }
  return !out.device.empty();
}

int dma(const edu::cli::Invocation& invocation) {
  Arguments arguments;
  if (!parse(invocation.arguments, arguments)) {
    std::fprintf(stderr, "edu dma: expected --vfio DEVICE [--intx] [--length N] (DEVICE e.g. 0000:00:04.0)\n");
    return 2;
  }
  if (invocation.simulate) {
    std::fprintf(stderr, "edu dma: DMA needs the real device behind VFIO, not --simulate\n");
    return 2;
  }
  auto device = mapio::mmio::VfioDevice::open(mapio::mmio::PciAddress::parse(arguments.device));
  std::printf("vfio: %s in IOMMU group %u, %s, %u regions, %u irq kinds\n", device.address().to_string().c_str(),
              device.iommu_group(), device.iommu_type(), device.region_count(), device.irq_count());
  auto bar = device.map_region(mapio::mmio::vfio_region::bar0);
  mapio::mmio::VolatileBus bus(bar);

  const std::size_t page = mapio::page_size();
  auto source = mapio::Mapping::anonymous(page);
  auto destination = mapio::Mapping::anonymous(page);
  // Written before it is mapped for DMA, as a driver fills a buffer before handing it over.
  auto bytes = source.writable_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
  auto source_dma = device.map_dma(source.writable_bytes(), source_iova, mapio::mmio::DmaAccess::device_reads);
  auto destination_dma =
      device.map_dma(destination.writable_bytes(), destination_iova, mapio::mmio::DmaAccess::device_writes);
  device.enable_bus_master();

  const VfioIrq kind = arguments.intx || device.irq_info(VfioIrq::msi).count == 0 ? VfioIrq::intx : VfioIrq::msi;
  auto event = mapio::EventFd::create();
  device.enable_interrupt(kind, event);
  const char* kind_name = kind == VfioIrq::msi ? "MSI" : "INTx";


  auto body = [&](auto& b) {
    edu::Driver driver(b);
    driver.expect_edu();
    driver.acknowledge_interrupt(driver.interrupt_status());

    auto move = [&](edu::DmaDirection direction, std::uint64_t iova, const char* what) {
      edu::DmaTransfer transfer;
      transfer.direction = direction;
      transfer.ram_address = iova;
      transfer.length = arguments.length;
      transfer.interrupt_when_done = true;
      const auto started = std::chrono::steady_clock::now();
      driver.start(transfer);
      const std::uint64_t fired = event.wait(3000ms);
      const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      driver.wait_dma(100ms);  // the start bit is clear by the time the interrupt is raised
      const std::uint32_t status = driver.interrupt_status();
      driver.acknowledge_interrupt(status);
      if (kind == VfioIrq::intx) device.unmask_intx();
      std::printf("%s: %zu bytes, %s interrupt (eventfd %llu, status 0x%08x) after %.1f ms\n", what, transfer.length,
                  kind_name, static_cast<unsigned long long>(fired), status, ms);
      return (status & edu::dma_interrupt) != 0;
    };

    bool interrupts = move(edu::DmaDirection::to_device, source_iova, "host buffer -> edu 0x40000");
    interrupts = move(edu::DmaDirection::to_ram, destination_iova, "edu 0x40000 -> host buffer") && interrupts;

    std::size_t mismatches = 0;
    auto in = source.bytes();
    auto out = destination.bytes();
    for (std::size_t i = 0; i < arguments.length; ++i) mismatches += in[i] != out[i];
    for (std::size_t i = arguments.length; i < out.size(); ++i) mismatches += out[i] != std::byte{0};
    device.disable_interrupts(kind);
    const bool ok = mismatches == 0 && interrupts;
    std::printf("dma: %zu bytes host -> edu -> host, %zu mismatches, interrupts via %s: %s\n", arguments.length,
                mismatches, kind_name, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
  };
  return edu::cli::detail::run_on(bus, invocation, body);
}

const edu::cli::ModeRegistration dma_mode{
    {"dma", "--vfio BDF [--intx]", "DMA host -> edu -> host via VFIO (--length N)", dma}};

}  // namespace
