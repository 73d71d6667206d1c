// The edu driver on the edu model: identification, liveness, factorial with polling, interrupts,
// DMA and its limits, tracing. No hardware needed.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edu/edu_driver.hpp"
#include "edu/edu_model.hpp"
#include "test_support.hpp"

namespace mmio = mapio::mmio;
using namespace std::chrono_literals;

namespace {

using mapio::test::error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void fill(std::span<std::byte> bytes, unsigned seed) {
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
}

}  // namespace

// The register declarations carry the datasheet's access rights (a wrong access does not compile;
// tests/codegen checks that with its wording).
using EduMap = edu::regs::Map<mmio::SimBus>;
static_assert(!mmio::is_writable<edu::regs::Identification> && mmio::is_readable<edu::regs::Identification>);
static_assert(!mmio::is_writable<edu::regs::InterruptStatus>);
static_assert(!mmio::is_readable<edu::regs::InterruptRaise> && mmio::is_writable<edu::regs::InterruptRaise>);
static_assert(!mmio::is_readable<edu::regs::InterruptAcknowledge>);
static_assert(mmio::is_readable<edu::regs::Status> && mmio::is_writable<edu::regs::Status>);
// Status and DmaCommand both have an interrupt_when_done bit; each takes only its own.
static_assert(!mmio::field_of<edu::regs::DmaCommand>::usable_with<edu::regs::Status>);
static_assert(EduMap::extent == 0xa0);

TEST(EduDriver, IdentifiesTheDevice) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  const edu::Identity id = driver.expect_edu();
  EXPECT_EQ(id.raw, 0x010000edu);
  EXPECT_EQ(id.major, 1u);
  EXPECT_EQ(id.minor, 0u);
  EXPECT_EQ(id.magic, 0xedu);
}

TEST(EduDriver, RefusesADeviceThatIsNotEdu) {
  mmio::SimBus other(1 << 20, "not-edu");  // plain memory: identification reads 0
  edu::Driver driver(other);
  auto e = error_of([&] { driver.expect_edu(); });
  EXPECT_EQ(e.errno_value(), ENODEV);
  EXPECT_EQ(e.subject(), "not-edu");
}

TEST(EduDriver, BindRefusesARegionTooSmallForTheRegisters) {
  mmio::SimBus small(0x80, "small");
  auto e = error_of([&] { edu::Driver driver(small); });
  EXPECT_EQ(e.operation(), "bind");
  EXPECT_EQ(e.subject(), "small + 0x80");
  EXPECT_TRUE(contains(e.what(), "dma source")) << e.what();
}

TEST(EduDriver, LivenessInverts) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  EXPECT_EQ(driver.liveness(0x12345678), 0xedcba987u);
  EXPECT_EQ(driver.liveness(0), 0xffffffffu);
  EXPECT_TRUE(driver.alive());
  mmio::SimBus memory(1 << 20, "memory");  // reads back what was written: not alive
  EXPECT_FALSE(edu::Driver(memory).alive());
}

TEST(EduDriver, FactorialPollsUntilTheDeviceIsDone) {
  edu::EduModel model;
  model.factorial_latency = 5;
  edu::Driver driver(model.bus());
  EXPECT_EQ(driver.factorial(0), 1u);
  EXPECT_EQ(driver.factorial(1), 1u);
  EXPECT_EQ(driver.factorial(10), 3628800u);
  EXPECT_EQ(driver.factorial(12), 479001600u);
  EXPECT_EQ(driver.factorial(13), 1932053504u);  // 6227020800 mod 2^32: the device wraps
  // Each factorial: one status read before the write, then `latency` reads until not busy.
  EXPECT_GE(model.bus().counts().reads, 5u * (1 + 5));
}

TEST(EduModel, ReadingTheResultWithoutPollingGivesTheOperand) {
  // Why the driver polls: until busy clears the device still holds the operand.
  edu::EduModel model;
  auto& bus = model.bus();
  bus.write<std::uint32_t>(0x08, 6);
  EXPECT_EQ(bus.read<std::uint32_t>(0x08), 6u);
  EXPECT_EQ(bus.read<std::uint32_t>(0x20) & 1, 1u);
  bus.write<std::uint32_t>(0x08, 9);  // ignored while busy
  while (bus.read<std::uint32_t>(0x20) & 1) {
  }
  EXPECT_EQ(bus.read<std::uint32_t>(0x08), 720u);
}

TEST(EduModel, OnlyThirtyTwoBitAccessesBelow0x80) {
  edu::EduModel model;
  auto& bus = model.bus();
  EXPECT_EQ(bus.read<std::uint16_t>(0x00), 0xffffu);
  EXPECT_EQ(bus.read<std::uint64_t>(0x00), 0xffffffffffffffffu);
  bus.write<std::uint64_t>(0x80, 0x123456789);
  EXPECT_EQ(bus.read<std::uint64_t>(0x80), 0x123456789u);
  EXPECT_EQ(bus.read<std::uint8_t>(0x80), 0xffu);
  EXPECT_EQ(bus.read<std::uint32_t>(0x40000), 0xffffffffu);  // the buffer is not in the BAR
}

TEST(EduDriver, FactorialTimesOutNamingTheStatusRegister) {
  edu::EduModel model;
  model.factorial_latency = ~0u;  // never done
  edu::Driver driver(model.bus());
  auto e = error_of([&] { driver.factorial(3, 5ms); });
  EXPECT_EQ(e.errno_value(), ETIMEDOUT);
  EXPECT_EQ(e.subject(), "edu-sim status (0x20)");
  EXPECT_TRUE(contains(e.what(), "last value read 0x00000001")) << e.what();
}

TEST(EduDriver, InterruptsRaiseAndAcknowledge) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  EXPECT_EQ(driver.interrupt_status(), 0u);
  driver.raise_interrupt(0x5);
  EXPECT_EQ(driver.interrupt_status(), 0x5u);
  EXPECT_TRUE(model.interrupt_pending());
  driver.acknowledge_interrupt(0x1);
  EXPECT_EQ(driver.interrupt_status(), 0x4u);
  driver.acknowledge_interrupt(0x4);
  EXPECT_FALSE(model.interrupt_pending());

  driver.interrupt_on_factorial(true);
  EXPECT_EQ(model.bus().read<std::uint32_t>(0x20), 0x80u);
  EXPECT_EQ(driver.factorial(4), 24u);
  EXPECT_EQ(driver.interrupt_status(), edu::factorial_interrupt);
  driver.acknowledge_interrupt(edu::factorial_interrupt);
  driver.interrupt_on_factorial(false);
  EXPECT_EQ(driver.factorial(4), 24u);
  EXPECT_EQ(driver.interrupt_status(), 0u);
}

TEST(EduDriver, DmaToTheDeviceAndBack) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  fill(model.ram().subspan(0x1000, 300), 7);
  driver.transfer({edu::DmaDirection::to_device, 0x1000, 0x10, 300, false});
  EXPECT_EQ(std::memcmp(model.buffer().data() + 0x10, model.ram().data() + 0x1000, 300), 0);
  driver.transfer({edu::DmaDirection::to_ram, 0x8000, 0x10, 300, true});
  EXPECT_EQ(std::memcmp(model.ram().data() + 0x8000, model.ram().data() + 0x1000, 300), 0);
  EXPECT_EQ(model.transfers(), 2u);
  EXPECT_EQ(driver.interrupt_status(), edu::dma_interrupt);  // only the second asked for one
  // The registers hold what the driver programmed.
  auto& map = driver.registers();
  EXPECT_EQ(map[edu::regs::dma_source].read(), 0x40010u);
  EXPECT_EQ(map[edu::regs::dma_destination].read(), 0x8000u);
  EXPECT_EQ(map[edu::regs::dma_count].read(), 300u);
  EXPECT_EQ(map[edu::regs::dma_command].read(edu::regs::DmaCommand::direction), edu::DmaDirection::to_ram);
}

TEST(EduDriver, LargestTransferTheDeviceSurvives) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  fill(model.ram().first(4095), 3);
  driver.transfer({edu::DmaDirection::to_device, 0, 0, edu::max_transfer, false});
  EXPECT_EQ(std::memcmp(model.buffer().data(), model.ram().data(), 4095), 0);
}

TEST(EduDriver, RefusesTransfersTouchingTheBuffersLastByte) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  auto e = error_of([&] { driver.start({edu::DmaDirection::to_device, 0, 0, 4096, false}); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_TRUE(contains(e.what(), "0x40fff")) << e.what();
  EXPECT_TRUE(contains(e.what(), "QEMU 7.2")) << e.what();
  EXPECT_EQ(error_of([&] { driver.start({edu::DmaDirection::to_ram, 0, 0x800, 0x7ff + 1, false}); }).errno_value(),
            EINVAL);
  EXPECT_NO_THROW(driver.transfer({edu::DmaDirection::to_ram, 0, 0x800, 0x7ff, false}));
  EXPECT_EQ(error_of([&] { driver.start({edu::DmaDirection::to_ram, 0, 0, 0, false}); }).errno_value(), EINVAL);
  EXPECT_EQ(model.transfers(), 1u);
  // What the driver protects against: programmed by hand, the model aborts like QEMU 7.2.
  auto& bus = model.bus();
  bus.write<std::uint64_t>(0x80, 0);
  bus.write<std::uint64_t>(0x88, 0x40000);
  bus.write<std::uint64_t>(0x90, 4096);
  bus.write<std::uint64_t>(0x98, 1);
  EXPECT_THROW(
      {
        while (bus.read<std::uint64_t>(0x98) & 1) {
        }
      },
      edu::EduModel::Abort);
}

TEST(EduDriver, RefusesRamBeyondTheDmaMask) {
  edu::EduModel model;
  edu::Driver driver(model.bus());
  auto e = error_of([&] { driver.start({edu::DmaDirection::to_device, std::uint64_t{1} << 28, 0, 16, false}); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_TRUE(contains(e.what(), "28-bit")) << e.what();
  EXPECT_EQ(error_of([&] { driver.start({edu::DmaDirection::to_ram, edu::dma_mask - 7, 0, 16, false}); }).errno_value(),
            EINVAL);
  EXPECT_EQ(model.bus().counts().writes, 0u);  // nothing reached the device
}

TEST(EduDriver, RefusesADirectionThatIsNotOneBit) {
  // A direction read from outside (a file, a command line) and cast without a check: bit 1 of the
  // command cannot hold 2, and the driver must not program a transfer the other way round.
  edu::EduModel model;
  edu::Driver driver(model.bus());
  auto e = error_of([&] { driver.start({static_cast<edu::DmaDirection>(2), 0x1000, 0, 16, false}); });
  EXPECT_EQ(e.errno_value(), EOVERFLOW);
  EXPECT_EQ(e.operation(), "set");
  EXPECT_EQ(e.subject(), "dma command.direction (bit 1)");
  EXPECT_TRUE(contains(e.what(), "0x2 does not fit in 1 bit")) << e.what();
  EXPECT_EQ(model.bus().counts().writes, 0u);  // nothing reached the device
  EXPECT_EQ(model.transfers(), 0u);
}

TEST(EduDriver, DmaWaitTimesOut) {
  edu::EduModel model;
  model.dma_latency = ~0u;
  edu::Driver driver(model.bus());
  driver.start({edu::DmaDirection::to_device, 0, 0, 8, false});
  auto e = error_of([&] { driver.wait_dma(3ms, 100us); });
  EXPECT_EQ(e.errno_value(), ETIMEDOUT);
  EXPECT_EQ(e.subject(), "edu-sim dma command (0x98)");
}

TEST(EduDriver, RunsUnderTheTracer) {
  edu::EduModel model;
  model.factorial_latency = 1;
  std::vector<std::string> lines;
  mmio::TracingBus traced(model.bus(), [&](const mmio::TraceEvent& e) { lines.push_back(mmio::format_trace(e)); });
  edu::Driver driver(traced);
  driver.identify();
  EXPECT_EQ(driver.factorial(3), 6u);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "read32  0x0000 -> 0x010000ed",
                       "read32  0x0020 -> 0x00000000",
                       "write32 0x0008 <- 0x00000003",
                       "read32  0x0020 -> 0x00000000",
                       "read32  0x0008 -> 0x00000006",
                   }));
}
