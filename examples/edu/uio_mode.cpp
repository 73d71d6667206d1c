// `edu irq --uio N`: edu's interrupts delivered to user space by uio_pci_generic.
//
// Two interrupts: one raised by hand (write to 0x60), one raised by the device when a factorial
// finishes (status bit 7). Each is received by a blocking read of /dev/uioN, read from the
// interrupt status register (0x24), acknowledged (0x64), and then INTx is re-enabled: uio_pci_generic
// sets the command register's interrupt-disable bit on every interrupt and offers no write(1)
// to undo it (ENOSYS), so mapio clears bit 10 through the device's sysfs config file.
//
// In the guest:  insmod uio.ko; insmod uio_pci_generic.ko
//                echo "1234 11e8" > /sys/bus/pci/drivers/uio_pci_generic/new_id
//                edu irq --uio 0
#include <chrono>
#include <cstdio>
#include <string>

#include "mapio/mmio/uio.hpp"
#include "mode.hpp"

namespace {

using namespace std::chrono_literals;

template <class Driver>
std::uint32_t receive(const mapio::mmio::UioDevice& uio, const Driver& driver, const char* what) {
  const auto started = std::chrono::steady_clock::now();
  const std::uint32_t count = uio.wait(2000ms);
  const auto waited = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const std::uint32_t status = driver.interrupt_status();
  // Acknowledge first: INTx is level-triggered, and an unacknowledged edu would fire again at once.
  driver.acknowledge_interrupt(status);
  uio.enable_interrupts();
  std::printf("%s: interrupt received (uio count %u, status 0x%08x, waited %.3f ms)\n", what, count, status, waited);
  return status;
}

int irq(const edu::cli::Invocation& invocation) {
  unsigned number = 0;
  if (invocation.arguments.size() != 2 || invocation.arguments[0] != "--uio" ||
      std::sscanf(invocation.arguments[1].c_str(), "%u", &number) != 1) {
    std::fprintf(stderr, "edu irq: expected --uio N (the /dev/uioN that uio_pci_generic made for edu)\n");
    return 2;
  }
  if (invocation.simulate) {
    std::fprintf(stderr, "edu irq: interrupts need the real device (uio_pci_generic), not --simulate\n");
    return 2;
  }
  auto uio = mapio::mmio::UioDevice::open(number);
  auto bar = uio.map(0);
  mapio::mmio::VolatileBus bus(bar);
  // Start from a clean state: nothing pending, INTx enabled.
  auto body = [&](auto& b) {
    edu::Driver driver(b);
    driver.expect_edu();
    driver.acknowledge_interrupt(driver.interrupt_status());
    uio.enable_interrupts();

    driver.raise_interrupt(0x00c0ffee);
    const std::uint32_t raised = receive(uio, driver, "raise 0x00c0ffee");

    driver.interrupt_on_factorial(true);
    const std::uint32_t result = driver.factorial(10);
    const std::uint32_t finished = receive(uio, driver, "factorial");
    driver.interrupt_on_factorial(false);
    std::printf("10! = %u\n", result);

    const bool ok = raised == 0x00c0ffee && (finished & edu::factorial_interrupt) != 0 && result == 3628800;
    std::printf("irq: %s\n", ok ? "2 interrupts received and acknowledged" : "UNEXPECTED status");
    return ok ? 0 : 1;
  };
  return edu::cli::detail::run_on(bus, invocation, body);
}

const edu::cli::ModeRegistration irq_mode{
    {"irq", "--uio N", "raise and receive interrupts through /dev/uioN (uio_pci_generic)", irq}};

}  // namespace
