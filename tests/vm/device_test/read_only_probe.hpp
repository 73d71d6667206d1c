// The read-only check every device kind shares: a writer process keeps edu's BAR0 mapped writable
// and leaves a value in the liveness register; a forked reader maps the same registers read-only
// and tries every way to write through that map (protect to read-write, a bus write, a plain
// store). Each must be refused, mapio's refusals saying the object was opened read-only, and the
// writer then finds the register as it left it.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "edu_sysfs.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/mmio/volatile_bus.hpp"
#include "read_only_support.hpp"

namespace mapio::vmtest {

/// How far the refusal goes: with `kernel_too` the kernel must also refuse to make the reader's map
/// writable (no "mw" in its VmFlags: it was made through a read-only descriptor). A VFIO region
/// map goes through the device's read-write descriptor, and only mapio refuses.
enum class Enforcement { mapio_only, kernel_too };

/// `writer` is edu's BAR0 mapped writable in this process; `map_read_only` maps it read-only in
/// the forked reader. Fails the calling test unless every write was refused and the liveness
/// register (0x04, which reads back the inverse of what was written) is unchanged.
inline void expect_read_only_reader_changes_nothing(mapio::Mapping& writer,
                                                    const std::function<mapio::Mapping()>& map_read_only,
                                                    Enforcement enforcement) {
  mapio::mmio::VolatileBus mine(writer);
  constexpr std::uint32_t left = 0x13572468;
  mine.write<std::uint32_t>(0x04, left);
  ASSERT_EQ(mine.read<std::uint32_t>(0x04), ~left);
  const std::string found = mapio::test::in_reader([&](mapio::test::Findings& f) {
    auto registers = map_read_only();
    f.expect(!registers.writable(), "the reader's map is writable");
    f.refused("protect(read_write)", [&] { registers.protect(mapio::Protection::read_write); }, EACCES,
              "opened read-only");
    mapio::mmio::VolatileBus bus(registers);
    f.expect(bus.read<std::uint32_t>(0x00) == edu_identification, "the reader's map does not read edu's id");
    f.expect(bus.read<std::uint32_t>(0x04) == ~left, "the reader does not see the writer's liveness value");
    f.refused("write32 liveness", [&] { bus.write<std::uint32_t>(0x04, 0xbad0bad0); }, EACCES, "read-only");
    if (enforcement == Enforcement::kernel_too) {
      f.expect(!mapio::test::kernel_may_write(registers.data()), "the kernel would let the map become writable (mw)");
    }
    f.expect(mapio::test::store_faults(registers.data() + 4), "a plain store through the read-only map did not fault");
  });
  EXPECT_EQ(found, "");
  EXPECT_EQ(mine.read<std::uint32_t>(0x04), ~left) << "the read-only reader wrote the liveness register";
}

}  // namespace mapio::vmtest
