// The three buses: VolatileBus over real (anonymous) memory, SimBus callbacks and store,
// TracingBus output text.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "test_support.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/bus.hpp"

namespace mmio = mapio::mmio;

namespace {

using mapio::test::error_of;

// Reads everything written to a FILE* (a real tmpfile, as a trace to stderr would be).
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[256];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
  return text;
}

}  // namespace

TEST(VolatileBus, ReadsAndWritesEveryWidthAtTheRightBytes) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  EXPECT_EQ(bus.size(), 4096u);
  EXPECT_EQ(bus.name(), memory.description());

  bus.write<std::uint64_t>(0x10, 0x1122334455667788);
  bus.write<std::uint32_t>(0x20, 0xdeadbeef);
  bus.write<std::uint16_t>(0x24, 0xcafe);
  bus.write<std::uint8_t>(0x26, 0x5a);

  const std::byte* bytes = memory.data();
  std::uint64_t raw64;
  std::memcpy(&raw64, bytes + 0x10, 8);
  EXPECT_EQ(raw64, 0x1122334455667788u);
  EXPECT_EQ(std::to_integer<int>(bytes[0x26]), 0x5a);
  EXPECT_EQ(bus.read<std::uint32_t>(0x20), 0xdeadbeefu);
  EXPECT_EQ(bus.read<std::uint16_t>(0x24), 0xcafeu);
  EXPECT_EQ(bus.read<std::uint8_t>(0x26), 0x5au);
  EXPECT_EQ(bus.read<std::uint32_t>(0x14), 0x11223344u);  // upper half of the 64-bit value
}

TEST(VolatileBus, RelaxedAndOrderedAccessesSeeTheSameMemory) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  bus.write_relaxed<std::uint32_t>(0x100, 0x01020304);
  EXPECT_EQ(bus.read<std::uint32_t>(0x100), 0x01020304u);
  bus.write<std::uint64_t>(0x108, 0xfedcba9876543210);
  EXPECT_EQ(bus.read_relaxed<std::uint64_t>(0x108), 0xfedcba9876543210u);
  // The unchecked paths typed registers use: same bytes.
  bus.store<std::uint16_t, mmio::Ordering::relaxed>(0x110, 0xbeef);
  EXPECT_EQ((bus.load<std::uint16_t, mmio::Ordering::ordered>(0x110)), 0xbeefu);
  auto window = bus.handle();
  window.store<std::uint32_t, mmio::Ordering::ordered>(0x114, 7);
  EXPECT_EQ(bus.read<std::uint32_t>(0x114), 7u);
}

TEST(VolatileBus, RefusesAccessesPastTheEnd) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory.writable_data(), 0x108, "dev");
  EXPECT_EQ(bus.read<std::uint64_t>(0x100), 0u);  // the last 8 bytes: fine
  auto e = error_of([&] { bus.read<std::uint32_t>(0x108); });
  EXPECT_EQ(e.errno_value(), ERANGE);
  EXPECT_EQ(e.operation(), "read32");
  EXPECT_EQ(e.subject(), "dev + 0x108");
  EXPECT_EQ(error_of([&] { bus.write<std::uint64_t>(0x104, 1); }).operation(), "write64");
  EXPECT_EQ(error_of([&] { bus.write<std::uint64_t>(0x104, 1); }).errno_value(), ERANGE);
  // An offset so large that offset + size would wrap around must not slip through.
  EXPECT_EQ(error_of([&] { bus.read<std::uint16_t>(~std::size_t{0}); }).errno_value(), ERANGE);
}

TEST(VolatileBus, RefusesMisalignedAccesses) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory.writable_data(), 4096, "dev");
  auto e = error_of([&] { bus.read<std::uint32_t>(0x102); });
  EXPECT_EQ(e.errno_value(), EINVAL);
  EXPECT_EQ(e.subject(), "dev + 0x102");
  EXPECT_NE(std::string(e.what()).find("aligned to 4 bytes"), std::string::npos) << e.what();
  EXPECT_EQ(error_of([&] { bus.write_relaxed<std::uint64_t>(0x104, 0); }).errno_value(), EINVAL);
  // A window that starts off alignment: offset 4 of it is 8-byte aligned in memory only if base is.
  mmio::VolatileBus shifted(memory.writable_data() + 4, 64, "shifted");
  EXPECT_EQ(error_of([&] { shifted.read<std::uint64_t>(0); }).errno_value(), EINVAL);
  EXPECT_EQ(shifted.read<std::uint64_t>(4), 0u);
}

TEST(VolatileBus, OverReadOnlyMemoryReadsAndRefusesWritesWithoutFaulting) {
  auto memory = mapio::Mapping::anonymous(4096);
  memory.writable_object<std::uint32_t>(8) = 0x010000ed;
  memory.protect(mapio::Protection::read);
  mmio::VolatileBus bus(memory);
  EXPECT_FALSE(bus.writable());
  EXPECT_EQ(bus.read<std::uint32_t>(8), 0x010000edu);
  auto e = error_of([&] { bus.write<std::uint32_t>(8, 1); });
  EXPECT_EQ(e.errno_value(), EACCES);
  EXPECT_EQ(e.operation(), "write32");
  EXPECT_NE(std::string(e.what()).find("+ 0x8"), std::string::npos) << e.what();
}

TEST(Bus, RunTimeWidthsReachTheRightBytesAtTheRightWidth) {
  mmio::SimBus bus(0x20, "widths");
  std::vector<unsigned> widths;
  bus.on_write([&](std::size_t offset, unsigned width, std::uint64_t value) {
    widths.push_back(width);
    bus.store_value(offset, width, value);
  });
  for (unsigned width : {8u, 16u, 32u, 64u}) mmio::write_width(bus, 0x10, width, 0x1122334455667788);
  EXPECT_EQ(widths, (std::vector<unsigned>{8, 16, 32, 64}));
  EXPECT_EQ(mmio::read_width(bus, 0x10, 8), 0x88u);
  EXPECT_EQ(mmio::read_width(bus, 0x10, 16), 0x7788u);
  EXPECT_EQ(mmio::read_width(bus, 0x10, 32), 0x55667788u);
  EXPECT_EQ(mmio::read_width(bus, 0x10, 64), 0x1122334455667788u);
  mmio::write_width(bus, 0x10, 8, 0xffff);  // only the low 8 bits are written
  EXPECT_EQ(mmio::read_width(bus, 0x10, 16), 0x77ffu);
  EXPECT_THROW(mmio::read_width(bus, 0x1c, 64), mapio::Error);  // checked like any access
}

TEST(SimBus, WithoutHandlersItIsMemory) {
  mmio::SimBus bus(0x100, "ram");
  bus.write<std::uint32_t>(0x10, 0xa5a5a5a5);
  bus.write<std::uint8_t>(0x14, 0x42);
  EXPECT_EQ(bus.read<std::uint32_t>(0x10), 0xa5a5a5a5u);
  EXPECT_EQ(bus.read<std::uint64_t>(0x10), 0x42a5a5a5a5u);
  EXPECT_EQ(bus.stored(0x14, 8), 0x42u);
  EXPECT_EQ(bus.counts().reads, 2u);
  EXPECT_EQ(bus.counts().writes, 2u);
}

TEST(SimBus, HandlersSeeOffsetWidthAndValue) {
  mmio::SimBus bus(0x100, "dev", mmio::SimBus::Store::none);
  std::vector<std::string> seen;
  bus.on_read([&](std::size_t offset, unsigned width) -> std::uint64_t {
    seen.push_back("r " + std::to_string(offset) + " " + std::to_string(width));
    return 0x1234567890abcdefu;
  });
  bus.on_write([&](std::size_t offset, unsigned width, std::uint64_t value) {
    seen.push_back("w " + std::to_string(offset) + " " + std::to_string(width) + " " + std::to_string(value));
  });
  EXPECT_EQ(bus.read<std::uint16_t>(0x20), 0xcdefu);  // the handler's value, cut to the width
  bus.write<std::uint64_t>(0x40, 99);
  bus.write_relaxed<std::uint8_t>(0x41, 7);
  EXPECT_EQ(seen, (std::vector<std::string>{"r 32 16", "w 64 64 99", "w 65 8 7"}));
  EXPECT_EQ(bus.counts().relaxed, 1u);
  EXPECT_EQ(bus.last_ordering(), mmio::Ordering::relaxed);
  bus.read<std::uint32_t>(0);
  EXPECT_EQ(bus.last_ordering(), mmio::Ordering::ordered);
}

TEST(SimBus, WithoutStoreUnhandledReadsAreAllOnes) {
  mmio::SimBus bus(0x100, "empty", mmio::SimBus::Store::none);
  EXPECT_EQ(bus.read<std::uint32_t>(0), 0xffffffffu);
  bus.write<std::uint32_t>(0, 1);  // dropped
  EXPECT_EQ(bus.read<std::uint32_t>(0), 0xffffffffu);
  EXPECT_EQ(error_of([&] { bus.stored(0, 32); }).errno_value(), ENODEV);
}

TEST(SimBus, ChecksBoundsAndAlignmentLikeRealMemory) {
  mmio::SimBus bus(0x40, "sim");
  auto e = error_of([&] { bus.read<std::uint64_t>(0x40); });
  EXPECT_EQ(e.operation(), "read64");
  EXPECT_EQ(e.subject(), "sim + 0x40");
  EXPECT_EQ(e.errno_value(), ERANGE);
  EXPECT_EQ(error_of([&] { bus.write<std::uint32_t>(0x6, 0); }).errno_value(), EINVAL);
  EXPECT_EQ(error_of([&] { bus.store_value(0, 24, 0); }).errno_value(), EINVAL);
  EXPECT_EQ(bus.counts().reads + bus.counts().writes, 0u);  // refused accesses reach no handler
}

TEST(TracingBus, PrintsOneExactLinePerAccess) {
  mmio::SimBus sim(0x100, "sim");
  sim.store_value(0, 32, 0x010000ed);
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    mmio::TracingBus traced(sim, mmio::FileTraceSink(out));
    EXPECT_EQ(traced.read<std::uint32_t>(0x00), 0x010000edu);
    traced.write<std::uint32_t>(0x04, 0x12345678);
    traced.write_relaxed<std::uint64_t>(0x80, 0x1000);
    traced.read_relaxed<std::uint8_t>(0x81);
    traced.store<std::uint16_t, mmio::Ordering::ordered>(0xfe, 0xabcd);
    EXPECT_THROW(traced.read<std::uint32_t>(0x100), mapio::Error);  // refused: leaves no line
  }
  EXPECT_EQ(contents(out),
            "read32  0x0000 -> 0x010000ed\n"
            "write32 0x0004 <- 0x12345678\n"
            "write64 0x0080 <- 0x0000000000001000 (relaxed)\n"
            "read8   0x0081 -> 0x10 (relaxed)\n"
            "write16 0x00fe <- 0xabcd\n");
  std::fclose(out);
}

TEST(TracingBus, HandsEventsToAnyCallable) {
  mmio::SimBus sim(0x20000, "named");
  std::vector<mmio::TraceEvent> events;
  mmio::TracingBus traced(sim, [&](const mmio::TraceEvent& e) { events.push_back(e); });
  traced.write<std::uint64_t>(0x12340, 5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].bus, "named");
  EXPECT_EQ(events[0].offset, 0x12340u);
  EXPECT_EQ(events[0].width, 64u);
  EXPECT_EQ(events[0].value, 5u);
  EXPECT_EQ(events[0].direction, mmio::Direction::write);
  EXPECT_EQ(mmio::format_trace(events[0]), "write64 0x12340 <- 0x0000000000000005");
  EXPECT_EQ(traced.name(), "named");
  EXPECT_EQ(traced.size(), 0x20000u);
}

TEST(TracingBus, TracesARealMemoryBus) {
  auto memory = mapio::Mapping::anonymous(4096);
  mmio::VolatileBus bus(memory);
  std::vector<std::string> lines;
  mmio::TracingBus traced(bus, [&](const mmio::TraceEvent& e) { lines.push_back(mmio::format_trace(e)); });
  traced.write<std::uint32_t>(0x8, 10);
  EXPECT_EQ(bus.read<std::uint32_t>(0x8), 10u);  // the write reached memory
  EXPECT_EQ(lines, (std::vector<std::string>{"write32 0x0008 <- 0x0000000a"}));
}
