// mapio::scan in one include: counting bytes, lines and words, and reading a file by
// whichever of read() and mmap is faster for it.
//
// Link mapio::scan (CMake) or mapio-scan (pkg-config). A single header such as
// <mapio/scan/input.hpp> compiles faster; docs/api.md says which one does which job.
#pragma once

#include "mapio/scan/input.hpp"
#include "mapio/scan/locale.hpp"
#include "mapio/scan/scan.hpp"
