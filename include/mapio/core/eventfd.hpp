// EventFd: an owned eventfd(2) counter (RAII, move-only), the way VFIO delivers interrupts.
//
//     auto event = mapio::EventFd::create();
//     device.enable_interrupt(mapio::mmio::VfioIrq::msi, event);   // the kernel signals it
//     auto fired = event.wait(std::chrono::seconds(1));           // interrupts since the last wait
#pragma once

#include <chrono>
#include <cstdint>

#include "mapio/core/descriptor.hpp"

namespace mapio {

class EventFd {
 public:
  /// eventfd(0, EFD_CLOEXEC); mapio::Error on failure.
  static EventFd create();

  /// Blocks until the counter is non-zero, then returns and resets it (read(2) of 8 bytes).
  std::uint64_t wait() const;
  /// As wait(), or mapio::Error (ETIMEDOUT) after `timeout` (poll(2)).
  std::uint64_t wait(std::chrono::milliseconds timeout) const;
  /// Adds `value` to the counter (write(2)); what the kernel does on an interrupt.
  void signal(std::uint64_t value = 1) const;
  int fd() const noexcept { return fd_.get(); }

 private:
  explicit EventFd(FileDescriptor fd) : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

}  // namespace mapio
