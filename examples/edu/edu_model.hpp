// A software model of QEMU's edu device on a mapio::mmio::SimBus, so the edu driver runs (and is
// tested) on any machine. It follows QEMU's docs/specs/edu.rst and the behaviour of hw/misc/edu.c:
//
// - Only 32-bit accesses below 0x80, 32- or 64-bit from 0x80; any other access reads all ones and
//   writes nothing, as do unknown offsets (including the DMA buffer itself: edu does not map it).
// - A factorial is not instant: writing 0x08 sets status.busy, and the result replaces the operand
//   only after `factorial_latency` further reads of the status register (the device computes on
//   its own thread; reading 0x08 too early returns the operand). While busy, new operands are
//   ignored. Results wrap at 32 bits. With status bit 7 set, completion raises interrupt 0x1.
// - A DMA command with the start bit runs after `dma_latency` reads of the command register (edu
//   uses a 100 ms timer); the start bit then clears and, if asked, interrupt 0x100 is raised.
//   DMA registers ignore writes while a transfer runs. Bus addresses of the RAM side are masked
//   to 28 bits, as edu does; "RAM" is a std::vector standing for bus addresses 0..ram_size.
// - A transfer whose device range leaves 0x40000..0x40fff, or (like QEMU 7.2) touches 0x40fff,
//   makes the model throw EduModel::Abort: on QEMU the whole machine would exit.
//
//     edu::EduModel model;
//     edu::Driver driver(model.bus());
//     driver.factorial(5);                 // 120, after polling the busy bit
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "mapio/mmio/sim_bus.hpp"

namespace edu {

class EduModel {
 public:
  /// What QEMU would have done: abort the machine.
  struct Abort : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  static constexpr std::uint32_t identification = 0x010000ed;  // version 1.0
  static constexpr std::uint64_t buffer_start = 0x40000;
  static constexpr std::size_t buffer_bytes = 4096;
  static constexpr std::uint64_t mask = (std::uint64_t{1} << 28) - 1;

  explicit EduModel(std::size_t ram_size = 1 << 20, std::string name = "edu-sim")
      : bus_(1 << 20, std::move(name), mapio::mmio::SimBus::Store::none), ram_(ram_size), buffer_(buffer_bytes) {
    bus_.on_read([this](std::size_t offset, unsigned width) { return read(offset, width); });
    bus_.on_write([this](std::size_t offset, unsigned width, std::uint64_t value) { write(offset, width, value); });
  }
  EduModel(const EduModel&) = delete;
  EduModel& operator=(const EduModel&) = delete;

  mapio::mmio::SimBus& bus() noexcept { return bus_; }
  /// Simulated RAM: bus address N is ram()[N].
  std::span<std::byte> ram() noexcept { return ram_; }
  /// The device's 4 KiB DMA buffer (bus address 0x40000 on the device side).
  std::span<std::byte> buffer() noexcept { return buffer_; }
  /// Whether the interrupt line is asserted (some interrupt status bit is set).
  bool interrupt_pending() const noexcept { return interrupt_status_ != 0; }
  std::uint32_t interrupt_status() const noexcept { return interrupt_status_; }
  std::size_t transfers() const noexcept { return transfers_; }

  /// Status reads before a factorial completes, command reads before a DMA completes.
  unsigned factorial_latency = 3;
  unsigned dma_latency = 3;

 private:
  static constexpr std::uint32_t status_busy = 0x01;
  static constexpr std::uint32_t status_interrupt = 0x80;
  static constexpr std::uint64_t command_start = 0x1;
  static constexpr std::uint64_t command_to_ram = 0x2;
  static constexpr std::uint64_t command_interrupt = 0x4;

  static bool allowed(std::size_t offset, unsigned width) {
    return offset < 0x80 ? width == 32 : (width == 32 || width == 64);
  }

  std::uint64_t read(std::size_t offset, unsigned width) {
    if (!allowed(offset, width)) return ~std::uint64_t{0};
    switch (offset) {
      case 0x00: return identification;
      case 0x04: return liveness_;
      case 0x08: return factorial_;
      case 0x20: tick_factorial(); return status_;
      case 0x24: return interrupt_status_;
      case 0x80: return dma_source_;
      case 0x88: return dma_destination_;
      case 0x90: return dma_count_;
      case 0x98: tick_dma(); return dma_command_;
      default: return ~std::uint64_t{0};
    }
  }

  void write(std::size_t offset, unsigned width, std::uint64_t value) {
    if (!allowed(offset, width)) return;
    const auto value32 = static_cast<std::uint32_t>(value);
    const bool dma_running = (dma_command_ & command_start) != 0;
    switch (offset) {
      case 0x04: liveness_ = ~value32; break;
      case 0x08:
        if (status_ & status_busy) break;
        factorial_ = value32;
        status_ |= status_busy;
        factorial_countdown_ = factorial_latency;
        if (factorial_countdown_ == 0) finish_factorial();
        break;
      case 0x20:
        status_ = (value32 & status_interrupt) ? (status_ | status_interrupt) : (status_ & ~status_interrupt);
        break;
      case 0x60: interrupt_status_ |= value32; break;
      case 0x64: interrupt_status_ &= ~value32; break;
      case 0x80: if (!dma_running) dma_source_ = value; break;
      case 0x88: if (!dma_running) dma_destination_ = value; break;
      case 0x90: if (!dma_running) dma_count_ = value; break;
      case 0x98:
        if (!(value & command_start) || dma_running) break;
        dma_command_ = value;
        dma_countdown_ = dma_latency;
        if (dma_countdown_ == 0) finish_dma();
        break;
      default: break;
    }
  }

  void tick_factorial() {
    if ((status_ & status_busy) && --factorial_countdown_ == 0) finish_factorial();
  }
  void finish_factorial() {
    std::uint32_t result = 1;
    for (std::uint32_t n = factorial_; n > 0; --n) result *= n;  // wraps like the device's uint32_t
    factorial_ = result;
    status_ &= ~status_busy;
    if (status_ & status_interrupt) interrupt_status_ |= 0x001;
  }

  void tick_dma() {
    if ((dma_command_ & command_start) && --dma_countdown_ == 0) finish_dma();
  }
  void finish_dma() {
    const bool to_ram = (dma_command_ & command_to_ram) != 0;
    const std::uint64_t device = to_ram ? dma_source_ : dma_destination_;
    const std::uint64_t ram_address = (to_ram ? dma_destination_ : dma_source_) & mask;
    const std::uint64_t count = dma_count_;
    // The device side must stay inside the buffer, and (QEMU 7.2) short of its last byte.
    if (device < buffer_start || count > buffer_bytes || device - buffer_start > buffer_bytes - count)
      throw Abort("edu: DMA range out of bounds: " + std::to_string(count) + " bytes at device address " +
                  std::to_string(device));
    if (count > 0 && device - buffer_start + count == buffer_bytes)
      throw Abort("edu: DMA range out of bounds (QEMU 7.2 aborts on a transfer touching 0x40fff)");
    if (ram_address > ram_.size() || ram_.size() - ram_address < count)
      throw Abort("edu model: DMA to RAM address " + std::to_string(ram_address) + " beyond the simulated RAM");
    std::byte* buffer = buffer_.data() + (device - buffer_start);
    std::byte* ram = ram_.data() + ram_address;
    if (to_ram) {
      std::memmove(ram, buffer, count);
    } else {
      std::memmove(buffer, ram, count);
    }
    ++transfers_;
    dma_command_ &= ~command_start;
    if (dma_command_ & command_interrupt) interrupt_status_ |= 0x100;
  }

  mapio::mmio::SimBus bus_;
  std::vector<std::byte> ram_;
  std::vector<std::byte> buffer_;
  std::uint32_t liveness_ = 0;
  std::uint32_t factorial_ = 0;
  std::uint32_t status_ = 0;
  std::uint32_t interrupt_status_ = 0;
  std::uint64_t dma_source_ = 0;
  std::uint64_t dma_destination_ = 0;
  std::uint64_t dma_count_ = 0;
  std::uint64_t dma_command_ = 0;
  unsigned factorial_countdown_ = 0;
  unsigned dma_countdown_ = 0;
  std::size_t transfers_ = 0;
};

}  // namespace edu
