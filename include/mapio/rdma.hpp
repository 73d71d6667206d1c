// mapio::rdma in one include: mappings served to other machines and reached from them over RDMA.
//
// Link mapio::rdma (CMake) or mapio-rdma (pkg-config); it is built where rdma-core is installed and
// is not part of mapio::mapio, so that <mapio/mapio.hpp> never brings ibverbs. docs/rdma.md.
#pragma once

#include "mapio/version.hpp"
#include "mapio/rdma/rdma.hpp"
