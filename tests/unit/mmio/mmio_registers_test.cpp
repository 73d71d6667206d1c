// Typed registers on simulated and real memory: fields, enums, read-modify-write, access rights
// that do not compile when wrong, bind-time bounds, poll_until.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/registers.hpp"

namespace mmio = mapio::mmio;
using namespace std::chrono_literals;

namespace regs {

enum class Mode : std::uint32_t { idle = 0, run = 1, test = 3 };

struct Control : mmio::Register<Control, std::uint32_t, 0x00, mmio::RegisterAccess::read_write> {
  static constexpr std::string_view name = "control";
  static constexpr field<0, 1> enable{"enable"};
  static constexpr field<4, 2, Mode> mode{"mode"};
  static constexpr field<8, 8> divider{"divider"};
  static constexpr field<31, 1> top{"top"};
};
struct Status : mmio::Register<Status, std::uint32_t, 0x04, mmio::RegisterAccess::read_only> {
  static constexpr std::string_view name = "status";
  static constexpr field<0, 1> busy{"busy"};
  static constexpr field<1, 3> count{"count"};
};
struct Doorbell : mmio::Register<Doorbell, std::uint32_t, 0x08, mmio::RegisterAccess::write_only> {
  static constexpr std::string_view name = "doorbell";
};
struct Address : mmio::Register<Address, std::uint64_t, 0x10, mmio::RegisterAccess::read_write> {
  static constexpr std::string_view name = "address";
  static constexpr field<32, 32> high{"high"};
};
struct Byte : mmio::Register<Byte, std::uint8_t, 0x18, mmio::RegisterAccess::read_write> {
  static constexpr field<6, 2> top2{};  // no names: errors name it by its bits
};

inline constexpr Control control{};
inline constexpr Status status{};
inline constexpr Doorbell doorbell{};
inline constexpr Address address{};
inline constexpr Byte byte{};

template <mmio::Bus B>
using Map = mmio::RegisterMap<B, Control, Status, Doorbell, Address, Byte>;

}  // namespace regs

// Access rights and field ownership are part of the types. A wrong call does not compile (the
// compile-fail suite, tests/codegen/register_access.cpp, checks that and its wording); generic
// code can ask the same questions in advance.
using SimMap = regs::Map<mmio::SimBus>;
static_assert(mmio::is_readable<regs::Control> && mmio::is_writable<regs::Control>);
static_assert(mmio::is_readable<regs::Status> && !mmio::is_writable<regs::Status>);
static_assert(!mmio::is_readable<regs::Doorbell> && mmio::is_writable<regs::Doorbell>);
// A field belongs to its register: one of another register is not offered, even of the same width.
static_assert(mmio::field_of<regs::Control>::usable_with<regs::Control>);
static_assert(!mmio::field_of<regs::Status>::usable_with<regs::Control>);
static_assert(!mmio::field_of<regs::Address>::usable_with<regs::Control>);
// A free-standing Field has no owner and fits any register of its width.
static_assert(mmio::field_of<mmio::Field<std::uint32_t, 0, 4>::owner>::usable_with<regs::Status>);
static_assert(mmio::has_word_type<regs::Status, mmio::Field<std::uint32_t, 0, 4>::word_type>);
static_assert(!mmio::has_word_type<regs::Address, mmio::Field<std::uint32_t, 0, 4>::word_type>);
// Another device's register with the same width, offset, access and fields is another register.
namespace other {
struct Control : mmio::Register<Control, std::uint32_t, 0x00, mmio::RegisterAccess::read_write> {
  static constexpr field<0, 1> enable{"enable"};
};
}  // namespace other
static_assert(!std::is_same_v<decltype(regs::Control::enable), decltype(other::Control::enable)>);
static_assert(!mmio::field_of<other::Control>::usable_with<regs::Control>);
// A register is in a map or not; one that names another register as itself is refused at bind.
struct Stranger : mmio::Register<Stranger, std::uint32_t, 0x0c, mmio::RegisterAccess::read_write> {};
static_assert(SimMap::holds<regs::Control> && !SimMap::holds<Stranger>);
struct Copy : mmio::Register<regs::Status, std::uint32_t, 0x0c, mmio::RegisterAccess::read_only> {};
static_assert(mmio::declares_itself<regs::Status> && !mmio::declares_itself<Copy>);
// Fields are plain constants.
static_assert(regs::Control::mode.mask == 0x30u);
static_assert(regs::Control::top.mask == 0x80000000u);
static_assert(regs::Address::high.mask == 0xffffffff00000000u);
static_assert(regs::Byte::top2.mask == 0xc0u);
static_assert(regs::Control::mode.get(0x10) == regs::Mode::run);
static_assert(regs::Control::mode.get(0x30) == regs::Mode::test);
static_assert((regs::Control::enable(true) | regs::Control::divider(0x12)).bits == 0x1201u);
static_assert(regs::Control::divider(0xff).bits == 0xff00u);            // the largest value fits
static_assert(regs::Control::divider.unchecked(0x1ff).bits == 0xff00u);  // unchecked drops excess bits
static_assert(regs::Control::mode.max == 3 && regs::Address::high.max == 0xffffffffu);
static_assert(SimMap::extent == 0x19);

TEST(Registers, FieldsReadAndWriteWithoutShifts) {
  mmio::SimBus bus(0x20, "dev");
  SimMap map(bus);
  map[regs::control].write(regs::Control::enable(true) | regs::Control::mode(regs::Mode::run) |
                           regs::Control::divider(0x42));
  EXPECT_EQ(bus.stored(0x00, 32), 0x4211u);
  EXPECT_TRUE(map[regs::control].read(regs::Control::enable));
  EXPECT_EQ(map[regs::control].read(regs::Control::mode), regs::Mode::run);
  EXPECT_EQ(map[regs::control].read(regs::Control::divider), 0x42u);
  EXPECT_FALSE(map[regs::control].read(regs::Control::top));

  bus.store_value(0x04, 32, 0b1011);
  EXPECT_TRUE(map[regs::status].read(regs::Status::busy));
  EXPECT_EQ(map[regs::status].read(regs::Status::count), 0b101u);

  map[regs::address].write(0x0000'1234'0000'5678);
  EXPECT_EQ(map[regs::address].read(regs::Address::high), 0x1234u);
  map[regs::byte].write(regs::Byte::top2(3));
  EXPECT_EQ(bus.stored(0x18, 8), 0xc0u);
}

TEST(Registers, ModifyChangesOnlyTheNamedFields) {
  mmio::SimBus bus(0x20, "dev");
  SimMap map(bus);
  bus.store_value(0x00, 32, 0xdead0001);
  map[regs::control].modify(regs::Control::mode(regs::Mode::test) | regs::Control::enable(false));
  EXPECT_EQ(bus.stored(0x00, 32), 0xdead0030u);
  EXPECT_EQ(bus.counts().reads, 1u);   // one read ...
  EXPECT_EQ(bus.counts().writes, 1u);  // ... and one write
  map[regs::address].write(0xffff'ffff'ffff'ffff);
  map[regs::address].modify(regs::Address::high(0));
  EXPECT_EQ(bus.stored(0x10, 64), 0xffff'ffffu);
}

TEST(Registers, AValueWiderThanItsFieldIsRefusedNamingFieldAndValue) {
  mmio::SimBus bus(0x20, "dev");
  SimMap map(bus);
  bus.store_value(0x00, 32, 0x8000'0031);
  volatile std::uint32_t opaque = 0x1ff;  // a run-time value the compiler cannot see
  const std::uint32_t wide = opaque;
  try {
    map[regs::control].modify(regs::Control::divider(wide));
    FAIL() << "set 0x1ff into an 8-bit field";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.operation(), "set");
    EXPECT_EQ(e.subject(), "control.divider (bits 8-15)");
    EXPECT_EQ(e.errno_value(), EOVERFLOW);
    EXPECT_EQ(e.explanation().rfind("0x1ff does not fit in 8 bits (the largest value is 0xff); ", 0), 0u) << e.what();
  }
  EXPECT_EQ(bus.counts().reads + bus.counts().writes, 0u);  // refused before the register is touched
  EXPECT_EQ(bus.stored(0x00, 32), 0x8000'0031u);

  const auto out_of_range = static_cast<regs::Mode>(opaque & 7);  // 7: no Mode, and 3 bits
  try {
    (void)regs::Control::mode(out_of_range);
    FAIL() << "set 7 into a 2-bit enum field";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.subject(), "control.mode (bits 4-5)");
    EXPECT_NE(std::string(e.what()).find("0x7 does not fit in 2 bits (the largest value is 0x3)"), std::string::npos)
        << e.what();
  }
  try {
    (void)regs::Address::high(std::uint64_t{wide} << 32);
    FAIL() << "set a 41-bit value into a 32-bit field";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.subject(), "address.high (bits 32-63)");
    EXPECT_NE(std::string(e.what()).find("0x1ff00000000 does not fit in 32 bits"), std::string::npos) << e.what();
  }
  // A field without a name, of a register without one, is named by its bits.
  try {
    (void)regs::Byte::top2(static_cast<std::uint8_t>(wide & 0xff));
    FAIL() << "set 0xff into a 2-bit field";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.subject(), "register bits 6-7");
  }
  // A one-bit number field (not bool) is checked too.
  try {
    (void)mmio::Field<std::uint32_t, 3, 1, std::uint32_t>{}(wide & 2);
    FAIL() << "set 2 into a 1-bit field";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.subject(), "field bit 3");
  }

  // The values that fit go through, and unchecked() keeps the low bits without a check.
  map[regs::control].modify(regs::Control::divider(wide & 0xff));
  EXPECT_EQ(bus.stored(0x00, 32), 0x8000'ff31u);
  map[regs::control].modify(regs::Control::divider.unchecked(wide + 0x100 - 0xff));  // 0x200: low bits 0
  EXPECT_EQ(bus.stored(0x00, 32), 0x8000'0031u);
  map[regs::control].modify(regs::Control::divider.unchecked(wide));
  EXPECT_EQ(bus.stored(0x00, 32), 0x8000'ff31u);  // the 9th bit did not reach the neighbour fields
}

TEST(Registers, OrderedAndRelaxedPathsReachTheBusAsSuch) {
  mmio::SimBus bus(0x20, "dev");
  SimMap map(bus);
  map[regs::doorbell].write_relaxed(1);
  EXPECT_EQ(bus.last_ordering(), mmio::Ordering::relaxed);
  map[regs::doorbell].write(2);
  EXPECT_EQ(bus.last_ordering(), mmio::Ordering::ordered);
  map[regs::status].read_relaxed();
  EXPECT_EQ(bus.last_ordering(), mmio::Ordering::relaxed);
  EXPECT_EQ(bus.counts().relaxed, 2u);
  EXPECT_EQ(bus.stored(0x08, 32), 2u);
}

TEST(Registers, WorkOnRealMemoryThroughVolatileBus) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  regs::Map<mmio::VolatileBus> map(bus);
  map[regs::address].write(0x1122334455667788);
  map[regs::control].write(regs::Control::divider(7));
  map[regs::control].modify(regs::Control::enable(true));
  std::uint32_t control;
  std::memcpy(&control, memory.data(), 4);
  EXPECT_EQ(control, 0x0701u);
  EXPECT_EQ(bus.read<std::uint64_t>(0x10), 0x1122334455667788u);
  // The handle is just the base address: a map is as cheap to copy as a pointer plus the bus.
  static_assert(sizeof(map) == 2 * sizeof(void*));
  static_assert(std::is_trivially_copyable_v<regs::Map<mmio::VolatileBus>>);
}

TEST(Registers, BindRefusesAMapLargerThanTheRegion) {
  mmio::SimBus small(0x14, "small");  // address (0x10..0x17) does not fit
  try {
    SimMap map(small);
    FAIL() << "bound a map that does not fit";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.operation(), "bind");
    EXPECT_EQ(e.subject(), "small + 0x10");
    EXPECT_EQ(e.errno_value(), ERANGE);
    EXPECT_NE(std::string(e.what()).find("address"), std::string::npos) << e.what();
  }
  EXPECT_EQ(small.counts().reads + small.counts().writes, 0u);  // binding touches no register
  mmio::SimBus exact(SimMap::extent, "exact");
  EXPECT_NO_THROW(SimMap{exact});
}

TEST(Registers, BindRefusesRegistersMisalignedInMemory) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus shifted(memory.writable_data() + 4, 0x100, "shifted");  // 0x10 lands on 8n+4
  try {
    regs::Map<mmio::VolatileBus> map(shifted);
    FAIL() << "bound a 64-bit register at a misaligned address";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), EINVAL);
    EXPECT_EQ(e.subject(), "shifted + 0x10");
  }
}

TEST(PollUntil, ReturnsTheFirstValueThatSatisfies) {
  mmio::SimBus bus(0x20, "dev", mmio::SimBus::Store::none);
  int reads = 0;
  bus.on_read([&](std::size_t, unsigned) -> std::uint64_t { return ++reads < 4 ? 0x1 : 0xe; });  // busy, busy, busy, done
  SimMap map(bus);
  auto value = mmio::poll_until(map[regs::status], mmio::is_clear(regs::Status::busy), 1s);
  EXPECT_EQ(value, 0xeu);
  EXPECT_EQ(reads, 4);
}

TEST(PollUntil, TimesOutNamingTheRegisterAndTheLastValue) {
  mmio::SimBus bus(0x20, "dev", mmio::SimBus::Store::none);
  int reads = 0;
  bus.on_read([&](std::size_t, unsigned) -> std::uint64_t { return ++reads; });  // never 0
  SimMap map(bus);
  const auto start = std::chrono::steady_clock::now();
  try {
    // 200 ms at 2 ms intervals: room for several reads even on a loaded machine.
    mmio::poll_until(map[regs::status], [](std::uint32_t v) { return v == 0; }, 200ms, 2ms);
    FAIL() << "no timeout";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ETIMEDOUT);
    EXPECT_EQ(e.operation(), "poll");
    EXPECT_EQ(e.subject(), "dev status (0x4)");
    EXPECT_NE(std::string(e.what()).find("within 200 ms"), std::string::npos) << e.what();
    // The last value read is the read count, which the message must report exactly.
    EXPECT_NE(std::string(e.what()).find(fmt::format("last value read {:#010x}", reads)), std::string::npos) << e.what();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_GE(reads, 3);  // several reads, a sleep between each, one after the deadline
}

TEST(PollUntil, ReadsOnceMoreAfterTheDeadline) {
  // A slow device: the first read takes longer than the whole timeout. A poller that gave up at
  // the deadline without reading again would report a timeout for a condition that holds.
  mmio::SimBus bus(0x20, "dev", mmio::SimBus::Store::none);
  int reads = 0;
  bus.on_read([&](std::size_t, unsigned) -> std::uint64_t {
    if (++reads == 1) {
      std::this_thread::sleep_for(30ms);
      return 1;  // busy
    }
    return 0;
  });
  SimMap map(bus);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(mmio::poll_until(map[regs::status], mmio::is_clear(regs::Status::busy), 10ms, 10s), 0u);
  EXPECT_EQ(reads, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // it read again instead of sleeping 10 s
}

TEST(PollUntil, AcceptsAnyCallable) {
  int calls = 0;
  EXPECT_EQ(mmio::poll_until([&] { return ++calls; }, [](int v) { return v == 3; }, 1s), 3);
  try {
    mmio::poll_until([] { return false; }, [](bool v) { return v; }, 1ms, 0ns, "link up");
    FAIL() << "no timeout";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ETIMEDOUT);
    EXPECT_EQ(e.subject(), "link up");
  }
}

TEST(PollUntil, FieldPredicates) {
  constexpr auto busy_clear = mmio::is_clear(regs::Status::busy);
  constexpr auto busy_set = mmio::is_set(regs::Status::busy);
  constexpr auto in_test = mmio::equals(regs::Control::mode, regs::Mode::test);
  static_assert(busy_clear(0x2) && !busy_clear(0x3));
  static_assert(busy_set(0x1) && !busy_set(0x2));
  static_assert(in_test(0x31) && !in_test(0x11));
  SUCCEED();
}
