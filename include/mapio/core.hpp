// mapio::core in one include: errors, descriptors, pages, mappings, files, shared memory,
// guard pages and prefetching.
//
// Link mapio::core (CMake) or mapio-core (pkg-config). A single header such as
// <mapio/core/descriptor.hpp> compiles faster; docs/api.md says which one does which job.
#pragma once

#include "mapio/version.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/eventfd.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/page.hpp"
#include "mapio/core/prefetch.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/core/syscall.hpp"
