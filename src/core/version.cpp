// The library's own copy of its version: compiled in, so a program can tell which library it runs with.
#include "mapio/version.hpp"

namespace mapio {

const char* version() noexcept { return MAPIO_VERSION; }

}  // namespace mapio
