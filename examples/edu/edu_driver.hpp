// A driver for QEMU's educational PCI device "edu" (1234:11e8), written on mapio's typed registers.
//
// The device (QEMU docs/specs/edu.rst, hw/misc/edu.c) has one 1 MiB memory BAR:
//
//   0x00 RO  identification   0xRRrr00ed: major RR, minor rr, magic 0xed
//   0x04 RW  liveness         reads back the bitwise inverse of what was written
//   0x08 RW  factorial        write n; once status.busy clears, reads n! (32-bit, wraps)
//   0x20 RW  status           bit 0 busy computing (RO), bit 7 raise interrupt 0x1 when done
//   0x24 RO  interrupt status bits raised and not yet acknowledged
//   0x60 WO  interrupt raise  OR the value into interrupt status (and assert the interrupt)
//   0x64 WO  interrupt ack    clear the value's bits from interrupt status
//   0x80 RW  DMA source       (64-bit; the device side of a transfer is its 4 KiB buffer
//   0x88 RW  DMA destination   at bus address 0x40000, the other side is RAM)
//   0x90 RW  DMA count
//   0x98 RW  DMA command      bit 0 start (clears when done), bit 1 direction (0 RAM->edu,
//                             1 edu->RAM), bit 2 raise interrupt 0x100 when done
//
// Registers below 0x80 take only 32-bit accesses; from 0x80 on, 32- or 64-bit. The DMA engine
// masks bus addresses to 28 bits (256 MiB) and silently wraps anything higher, so the driver
// refuses such addresses. QEMU 7.2 aborts (exits 134, "DMA range out of bounds") on a transfer
// that touches the buffer's last byte, 0x40fff: the driver allows at most 4095 bytes ending at or
// before 0x40ffe and says why when asked for more.
//
//     mapio::mmio::VolatileBus bus(bar0);     // or a TracingBus, or the SimBus of edu_model.hpp
//     edu::Driver driver(bus);                // checks the register map fits the BAR
//     auto id = driver.identify();            // {1, 0, 0xed}
//     std::uint32_t f = driver.factorial(10); // 3628800, polling status until not busy
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/registers.hpp"

namespace edu {

namespace mmio = mapio::mmio;
using namespace std::chrono_literals;

inline constexpr std::uint16_t vendor_id = 0x1234;
inline constexpr std::uint16_t device_id = 0x11e8;
inline constexpr std::size_t bar_size = 1 << 20;
/// The device's DMA buffer, as the DMA engine addresses it.
inline constexpr std::uint64_t buffer_address = 0x40000;
inline constexpr std::size_t buffer_size = 4096;
/// The most a transfer may move on QEMU 7.2 without reaching 0x40fff (see the header comment).
inline constexpr std::size_t max_transfer = buffer_size - 1;
/// edu's DMA engine keeps the low 28 bits of a bus address.
inline constexpr std::uint64_t dma_mask = (std::uint64_t{1} << 28) - 1;
/// Interrupt status bits the device raises itself.
inline constexpr std::uint32_t factorial_interrupt = 0x001;
inline constexpr std::uint32_t dma_interrupt = 0x100;

/// Which way a DMA transfer goes.
enum class DmaDirection : std::uint64_t { to_device = 0, to_ram = 1 };

namespace regs {
using mmio::RegisterAccess;
using mmio::Register;

struct Identification : Register<Identification, std::uint32_t, 0x00, RegisterAccess::read_only> {
  static constexpr std::string_view name = "identification";
  static constexpr field<24, 8> major{"major"};
  static constexpr field<16, 8> minor{"minor"};
  static constexpr field<0, 8> magic{"magic"};
};
struct Liveness : Register<Liveness, std::uint32_t, 0x04, RegisterAccess::read_write> {
  static constexpr std::string_view name = "liveness";
};
struct Factorial : Register<Factorial, std::uint32_t, 0x08, RegisterAccess::read_write> {
  static constexpr std::string_view name = "factorial";
};
struct Status : Register<Status, std::uint32_t, 0x20, RegisterAccess::read_write> {
  static constexpr std::string_view name = "status";
  static constexpr field<0, 1> busy{"busy"};
  static constexpr field<7, 1> interrupt_when_done{"interrupt_when_done"};
};
struct InterruptStatus : Register<InterruptStatus, std::uint32_t, 0x24, RegisterAccess::read_only> {
  static constexpr std::string_view name = "interrupt status";
};
struct InterruptRaise : Register<InterruptRaise, std::uint32_t, 0x60, RegisterAccess::write_only> {
  static constexpr std::string_view name = "interrupt raise";
};
struct InterruptAcknowledge : Register<InterruptAcknowledge, std::uint32_t, 0x64, RegisterAccess::write_only> {
  static constexpr std::string_view name = "interrupt acknowledge";
};
struct DmaSource : Register<DmaSource, std::uint64_t, 0x80, RegisterAccess::read_write> {
  static constexpr std::string_view name = "dma source";
};
struct DmaDestination : Register<DmaDestination, std::uint64_t, 0x88, RegisterAccess::read_write> {
  static constexpr std::string_view name = "dma destination";
};
struct DmaCount : Register<DmaCount, std::uint64_t, 0x90, RegisterAccess::read_write> {
  static constexpr std::string_view name = "dma count";
};
struct DmaCommand : Register<DmaCommand, std::uint64_t, 0x98, RegisterAccess::read_write> {
  static constexpr std::string_view name = "dma command";
  static constexpr field<0, 1> start{"start"};
  static constexpr field<1, 1, DmaDirection> direction{"direction"};
  static constexpr field<2, 1> interrupt_when_done{"interrupt_when_done"};
};

inline constexpr Identification identification{};
inline constexpr Liveness liveness{};
inline constexpr Factorial factorial{};
inline constexpr Status status{};
inline constexpr InterruptStatus interrupt_status{};
inline constexpr InterruptRaise interrupt_raise{};
inline constexpr InterruptAcknowledge interrupt_acknowledge{};
inline constexpr DmaSource dma_source{};
inline constexpr DmaDestination dma_destination{};
inline constexpr DmaCount dma_count{};
inline constexpr DmaCommand dma_command{};

template <mmio::Bus B>
using Map = mmio::RegisterMap<B, Identification, Liveness, Factorial, Status, InterruptStatus, InterruptRaise,
                              InterruptAcknowledge, DmaSource, DmaDestination, DmaCount, DmaCommand>;
}  // namespace regs

/// What the identification register says.
struct Identity {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned magic = 0;
  std::uint32_t raw = 0;
  bool is_edu() const noexcept { return magic == 0xed; }
};

/// One DMA transfer between RAM (a bus address the device may reach) and edu's buffer.
struct DmaTransfer {
  DmaDirection direction = DmaDirection::to_device;
  std::uint64_t ram_address = 0;   ///< bus (IOVA) address of the RAM side; must be below 2^28
  std::size_t buffer_offset = 0;   ///< offset in the device's 4 KiB buffer
  std::size_t length = 0;          ///< bytes; 1..4095 and not reaching buffer offset 0xfff
  bool interrupt_when_done = false;
};

template <mmio::Bus B>
class Driver {
 public:
  /// Binds edu's registers to `bus` (throws mapio::Error if the bus is smaller than the map).
  explicit Driver(B& bus) : map_(bus) {}

  B& bus() const noexcept { return map_.bus(); }
  const regs::Map<B>& registers() const noexcept { return map_; }

  Identity identify() const {
    const std::uint32_t raw = map_[regs::identification].read();
    return {regs::Identification::major.get(raw), regs::Identification::minor.get(raw),
            regs::Identification::magic.get(raw), raw};
  }

  /// Throws mapio::Error (ENODEV) unless the identification register carries edu's magic.
  Identity expect_edu() const {
    Identity id = identify();
    if (!id.is_edu())
      throw mapio::Error("identify", std::string(bus().name()), ENODEV,
                         "identification reads " + mapio::hex(id.raw) + ", not edu's 0x..00ed");
    return id;
  }

  /// Writes `probe` to the liveness register and returns what comes back (~probe if alive).
  std::uint32_t liveness(std::uint32_t probe) const {
    map_[regs::liveness].write(probe);
    return map_[regs::liveness].read();
  }
  bool alive(std::uint32_t probe = 0x12345678) const { return liveness(probe) == static_cast<std::uint32_t>(~probe); }

  /// Computes n! on the device (32-bit, wrapping as the device does), polling the busy bit.
  std::uint32_t factorial(std::uint32_t n, std::chrono::nanoseconds timeout = 1s) const {
    // The device ignores a new operand while it is still busy with the last one.
    wait_not_busy(timeout);
    map_[regs::factorial].write(n);
    wait_not_busy(timeout);
    return map_[regs::factorial].read();
  }

  /// Status bit 7: raise interrupt 0x1 whenever a factorial finishes.
  void interrupt_on_factorial(bool enable) const {
    map_[regs::status].modify(regs::Status::interrupt_when_done(enable));
  }

  std::uint32_t interrupt_status() const { return map_[regs::interrupt_status].read(); }
  void raise_interrupt(std::uint32_t bits) const { map_[regs::interrupt_raise].write(bits); }
  void acknowledge_interrupt(std::uint32_t bits) const { map_[regs::interrupt_acknowledge].write(bits); }

  /// Checks a transfer against the device's limits; throws mapio::Error (EINVAL) naming the limit.
  void check(const DmaTransfer& transfer) const {
    const std::string subject = std::string(bus().name()) + " dma";
    if (transfer.length == 0) throw mapio::Error("dma", subject, EINVAL, "a transfer moves at least one byte");
    if (transfer.buffer_offset >= buffer_size || transfer.length > max_transfer ||
        transfer.buffer_offset + transfer.length > max_transfer)
      throw mapio::Error("dma", subject, EINVAL,
                         "buffer range " + mapio::hex(buffer_address + transfer.buffer_offset) + " + " +
                             std::to_string(transfer.length) +
                             " bytes reaches 0x40fff, the buffer's last byte: QEMU 7.2's edu aborts on that "
                             "(\"DMA range out of bounds\"); keep transfers within 0x40000..0x40ffe, at most 4095 "
                             "bytes");
    if (transfer.ram_address > dma_mask || dma_mask - transfer.ram_address < transfer.length - 1)
      throw mapio::Error("dma", subject, EINVAL,
                         "RAM address " + mapio::hex(transfer.ram_address) + " + " + std::to_string(transfer.length) +
                             " bytes is beyond edu's 28-bit DMA mask (the device would wrap it silently)");
  }

  /// Programs and starts a transfer (after `check`); returns at once. A direction that is neither
  /// of DmaDirection's does not fit the command's direction bit: mapio::Error (EOVERFLOW), and
  /// nothing is written to the device.
  void start(const DmaTransfer& transfer) const {
    check(transfer);
    // The command first: its fields are checked before any register is programmed.
    const auto command = regs::DmaCommand::start(true) | regs::DmaCommand::direction(transfer.direction) |
                         regs::DmaCommand::interrupt_when_done(transfer.interrupt_when_done);
    const std::uint64_t device = buffer_address + transfer.buffer_offset;
    const bool to_device = transfer.direction == DmaDirection::to_device;
    map_[regs::dma_source].write(to_device ? transfer.ram_address : device);
    map_[regs::dma_destination].write(to_device ? device : transfer.ram_address);
    map_[regs::dma_count].write(transfer.length);
    // An ordered write: the registers above, and any buffer the CPU filled, are seen first.
    map_[regs::dma_command].write(command);
  }

  /// Polls the command register until the start bit clears. edu takes about 100 ms per transfer.
  void wait_dma(std::chrono::nanoseconds timeout = 2s, std::chrono::nanoseconds interval = 1ms) const {
    mmio::poll_until(map_[regs::dma_command], mmio::is_clear(regs::DmaCommand::start), timeout, interval);
  }

  /// start + wait_dma.
  void transfer(const DmaTransfer& transfer, std::chrono::nanoseconds timeout = 2s) const {
    start(transfer);
    wait_dma(timeout);
  }

 private:
  void wait_not_busy(std::chrono::nanoseconds timeout) const {
    mmio::poll_until(map_[regs::status], mmio::is_clear(regs::Status::busy), timeout, 10us);
  }

  regs::Map<B> map_;
};

}  // namespace edu
