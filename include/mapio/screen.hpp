// mapio::screen in one include: VGA text, framebuffers, DRM dumb buffers, the 8x8 font and
// PPM images.
//
// Link mapio::screen (CMake) or mapio-screen (pkg-config). A single header such as
// <mapio/screen/color.hpp> compiles faster; docs/api.md says which one does which job.
#pragma once

#include "mapio/screen/color.hpp"
#include "mapio/screen/drm.hpp"
#include "mapio/screen/font.hpp"
#include "mapio/screen/framebuffer.hpp"
#include "mapio/screen/image.hpp"
#include "mapio/screen/surface.hpp"
#include "mapio/screen/text_screen.hpp"
#include "mapio/screen/vga_text.hpp"
