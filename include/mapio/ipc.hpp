// mapio::ipc in one include: channels between processes in shared memory, and descriptor passing.
//
// Link mapio::ipc (CMake) or mapio-ipc (pkg-config). docs/ipc.md says what a dead or hostile peer
// can and cannot do.
#pragma once

#include "mapio/version.hpp"
#include "mapio/ipc/channel.hpp"
#include "mapio/ipc/descriptor_passing.hpp"
#include "mapio/ipc/probe.hpp"
