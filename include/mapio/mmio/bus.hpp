// mapio::mmio buses: one include for the Bus concept and its three models.
//
//   VolatileBus    real device memory, one volatile load/store per access (volatile_bus.hpp)
//   TracingBus<B>  any bus, with every access logged to a sink (tracing_bus.hpp)
//   SimBus         a device model made of C++ callbacks, for tests (sim_bus.hpp)
//
// Drivers are written once against the concept:
//
//     template <mapio::mmio::Bus B>
//     bool alive(B& bus) {
//       bus.template write<std::uint32_t>(0x04, 0x12345678);
//       return bus.template read<std::uint32_t>(0x04) == ~0x12345678u;
//     }
//
// For registers declared as data (fields, access rights, checked once at bind time) see
// registers.hpp.
#pragma once

#include "mapio/mmio/access.hpp"
#include "mapio/mmio/barrier.hpp"
#include "mapio/mmio/sim_bus.hpp"
#include "mapio/mmio/tracing_bus.hpp"
#include "mapio/mmio/volatile_bus.hpp"

namespace mapio::mmio {

static_assert(Bus<VolatileBus>);
static_assert(Bus<SimBus>);
static_assert(Bus<TracingBus<VolatileBus>>);
static_assert(Bus<TracingBus<SimBus>>);

}  // namespace mapio::mmio
