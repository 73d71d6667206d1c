// Register access rights and field ownership are checked by the compiler. Built once per case by
// check_compile_fail.sh: REGISTER_CASE selects one line; `correct` must compile, every other case
// must fail to compile with a diagnostic that names the reason.
#include <cstdint>

#include "mapio/mmio/registers.hpp"
#include "mapio/mmio/sim_bus.hpp"

namespace mmio = mapio::mmio;

struct Control : mmio::Register<std::uint32_t, 0x00, mmio::RegisterAccess::read_write> {
  static constexpr field<0, 1> enable{};
};
struct Status : mmio::Register<std::uint32_t, 0x04, mmio::RegisterAccess::read_only> {
  static constexpr field<0, 1> busy{};
};
struct Doorbell : mmio::Register<std::uint32_t, 0x08, mmio::RegisterAccess::write_only> {};
inline constexpr Control control{};
inline constexpr Status status{};
inline constexpr Doorbell doorbell{};

std::uint32_t use(mmio::RegisterMap<mmio::SimBus, Control, Status, Doorbell>& map) {
#if REGISTER_CASE == 0  // correct: every access the registers allow
  map[control].write(Control::enable(true));
  map[control].modify(Control::enable(false));
  map[doorbell].write(1);
  return map[status].read() + map[status].read(Status::busy) + map[control].read(Control::enable);
#elif REGISTER_CASE == 1  // write to a read-only register
  map[status].write(1);
  return 0;
#elif REGISTER_CASE == 2  // read from a write-only register
  return map[doorbell].read();
#elif REGISTER_CASE == 3  // read control through a field of status (same width)
  return map[control].read(Status::busy);
#elif REGISTER_CASE == 4  // write status's field into control
  map[control].write(Status::busy(true));
  return 0;
#endif
}
