// Register access rights, field ownership and field widths are checked by the compiler. Built once
// per case by check_compile_fail.sh: REGISTER_CASE selects one block; `correct` must compile, every
// other case must fail to compile with a diagnostic that names the user's register and the reason.
//
// Two devices declare registers with the same width, offset and access (and the same field
// layout): only their declarations tell them apart, which is exactly what must keep them apart.
#include <cstdint>
#include <string_view>

#include "mapio/mmio/registers.hpp"
#include "mapio/mmio/sim_bus.hpp"

namespace mmio = mapio::mmio;

namespace uart {
struct Control : mmio::Register<Control, std::uint32_t, 0x00, mmio::RegisterAccess::read_write> {
  static constexpr std::string_view name = "control";
  static constexpr field<0, 1> enable{"enable"};
  static constexpr field<4, 4> mode{"mode"};
};
struct Status : mmio::Register<Status, std::uint32_t, 0x04, mmio::RegisterAccess::read_only> {
  static constexpr std::string_view name = "status";
  static constexpr field<0, 1> busy{"busy"};
};
struct Doorbell : mmio::Register<Doorbell, std::uint32_t, 0x08, mmio::RegisterAccess::write_only> {
  static constexpr std::string_view name = "doorbell";
};
inline constexpr Control control{};
inline constexpr Status status{};
inline constexpr Doorbell doorbell{};
}  // namespace uart

namespace spi {
struct Control : mmio::Register<Control, std::uint32_t, 0x00, mmio::RegisterAccess::read_write> {
  static constexpr std::string_view name = "control";
  static constexpr field<0, 1> enable{"enable"};
  static constexpr field<4, 4> mode{"mode"};
};
struct Status : mmio::Register<Status, std::uint32_t, 0x04, mmio::RegisterAccess::read_only> {
  static constexpr std::string_view name = "status";
  static constexpr field<0, 1> busy{"busy"};
};
inline constexpr Control control{};
}  // namespace spi

struct Stranger : mmio::Register<Stranger, std::uint32_t, 0x0c, mmio::RegisterAccess::read_write> {};
inline constexpr Stranger stranger{};
// Copied from uart::Status without changing the first argument: it would share Status's fields.
struct Copy : mmio::Register<uart::Status, std::uint32_t, 0x10, mmio::RegisterAccess::read_only> {};

using Map = mmio::RegisterMap<mmio::SimBus, uart::Control, uart::Status, uart::Doorbell>;

std::uint32_t use(Map& map, [[maybe_unused]] std::uint32_t n) {
#if REGISTER_CASE == 0  // correct: every access the registers allow
  map[uart::control].write(uart::Control::enable(true) | uart::Control::mode(9));
  map[uart::control].modify(uart::Control::enable(false));
  map[uart::control].modify(uart::Control::mode.unchecked(n));
  map[uart::control].write(mmio::Field<std::uint32_t, 8, 8>{}(0x12) | uart::Control::enable(true));
  map[uart::doorbell].write(1);
  constexpr auto largest = uart::Control::mode(15);
  return largest.bits + map[uart::status].read() + map[uart::status].read(uart::Status::busy) +
         map[uart::control].read(uart::Control::enable);
#elif REGISTER_CASE == 1  // write to a read-only register
  map[uart::status].write(n);
  return 0;
#elif REGISTER_CASE == 2  // read from a write-only register
  return map[uart::doorbell].read();
#elif REGISTER_CASE == 3  // read control through a field of status (same width)
  return map[uart::control].read(uart::Status::busy);
#elif REGISTER_CASE == 4  // write status's field into control
  map[uart::control].write(uart::Status::busy(true));
  return 0;
#elif REGISTER_CASE == 5  // another device's register of the same width, offset and access
  map[uart::control].modify(spi::Control::mode(n));
  return map[uart::status].read(spi::Status::busy);
#elif REGISTER_CASE == 6  // or the fields of two registers together
  map[uart::control].write(uart::Control::enable(true) | spi::Control::mode(n));
  return 0;
#elif REGISTER_CASE == 7  // read-modify-write of a read-only register
  map[uart::status].modify(uart::Status::busy(false));
  return 0;
#elif REGISTER_CASE == 8  // a constant wider than its field (0x1f into 4 bits)
  constexpr auto mode = uart::Control::mode(0x1f);
  map[uart::control].write(mode);
  return 0;
#elif REGISTER_CASE == 9  // a register the map does not hold
  return map[stranger].read();
#elif REGISTER_CASE == 10  // a register that names another as itself
  mmio::RegisterMap<mmio::SimBus, Copy> copies(map.bus());
  return copies[Copy{}].read();
#elif REGISTER_CASE == 11  // a free-standing field of another width
  return map[uart::control].read(mmio::Field<std::uint64_t, 0, 8>{});
#endif
}
