// mapio::mmio in one include: buses, typed registers, /dev/mem windows, PCI, UIO and
// VFIO. The one part that uses libpci: a static mapio::mmio brings -lpci to the link line.
//
// Link mapio::mmio (CMake) or mapio-mmio (pkg-config). A single header such as
// <mapio/mmio/access.hpp> compiles faster; docs/api.md says which one does which job.
#pragma once

#include "mapio/mmio/access.hpp"
#include "mapio/mmio/barrier.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/iomem.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/physical.hpp"
#include "mapio/mmio/registers.hpp"
#include "mapio/mmio/sim_bus.hpp"
#include "mapio/mmio/tracing_bus.hpp"
#include "mapio/mmio/uio.hpp"
#include "mapio/mmio/vfio.hpp"
#include "mapio/mmio/volatile_bus.hpp"
