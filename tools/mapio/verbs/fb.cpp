// `mapio fb`: pixels straight into a framebuffer's memory — fbdev (/dev/fb0) or a DRM dumb buffer.
//
//     mapio fb info                                   # geometry of /dev/fb0
//     mapio fb fill '#204080'                         # the whole screen
//     mapio fb fill red --rect 10,10,100,50           # one rectangle
//     mapio fb text --x 40 --y 40 --scale 3 --fg white "Hello"
//     mapio fb show picture.ppm --x 100 --y 100       # a P6 PPM, pixel for pixel
//     mapio fb --dri /dev/dri/card0 --hold 30 fill green
//
// With --dri the picture lives in a dumb buffer this process owns: the kernel takes it off the
// screen when the process exits, so --hold keeps it up for that many seconds (and prints "holding"
// first, so scripts know when it is up). An fbdev picture stays until someone draws over it.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/screen/drm.hpp"
#include "mapio/screen/framebuffer.hpp"
#include "mapio/screen/image.hpp"

namespace mapio::cli {
namespace {

struct FbOptions {
  std::string device = "/dev/fb0";
  std::string dri;
  std::string hold;  // seconds as typed; read with mapio's duration grammar
  // fill
  std::string fill_color;
  std::string rect;
  // text
  std::string text;
  std::string foreground = "white";
  std::string background;
  unsigned scale = 1;
  // text and show
  int x = 0;
  int y = 0;
  std::string image;
};

enum class Action { info, fill, text, show };

screen::Rgb rgb_argument(const std::string& text, const char* what) {
  auto color = screen::parse_rgb(text);
  if (!color) throw ArgumentError(fmt::format("bad {} colour '{}': use #rrggbb or a VGA colour name", what, text));
  return *color;
}

screen::Rect rect_argument(const std::string& text) {
  unsigned long long v[4] = {};
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    auto end = text.find(',', start);
    if ((end == std::string::npos) != (i == 3)) throw ArgumentError(fmt::format("bad rectangle '{}': use X,Y,W,H", text));
    v[i] = parse_number(std::string_view(text).substr(start, end - start), "rectangle field");
    if (v[i] > 65535) throw ArgumentError(fmt::format("bad rectangle '{}': fields are at most 65535", text));
    start = end + 1;
  }
  return {static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<unsigned>(v[2]), static_cast<unsigned>(v[3])};
}

void print_info(const std::string& device) {
  auto info = screen::Framebuffer::query(device);
  const auto& g = info.geometry;
  fmt::print("device   {}\n", device);
  fmt::print("driver   {}\n", info.id);
  fmt::print("size     {}x{} (virtual {}x{}, offset {},{})\n", g.width, g.height, info.virtual_width,
             info.virtual_height, info.x_offset, info.y_offset);
  fmt::print("stride   {} bytes\n", g.stride);
  fmt::print("format   {} ({} bpp: red {}:{}, green {}:{}, blue {}:{})\n", g.format.describe(), g.format.bits_per_pixel,
             g.format.red.offset, g.format.red.length, g.format.green.offset, g.format.green.length,
             g.format.blue.offset, g.format.blue.length);
  fmt::print("memory   {} bytes\n", info.memory_size);
}

void print_dri_info(const screen::DrmCard& card) {
  fmt::print("device   {}\n", card.path());
  fmt::print("driver   {}\n", card.driver_name());
  auto outputs = card.connected_outputs();
  if (outputs.empty()) fmt::print("outputs  none connected\n");
  for (const auto& o : outputs) {
    fmt::print("output   {} (connector {}, crtc {}): {}x{}@{} \"{}\"\n", o.connector_name, o.connector_id, o.crtc_id,
               o.width, o.height, o.refresh, o.mode_name);
  }
}

void draw(Action action, const FbOptions& o, screen::Surface& surface, const std::string& where) {
  switch (action) {
    case Action::fill: {
      auto color = rgb_argument(o.fill_color, "fill");
      auto area = o.rect.empty() ? screen::Rect{0, 0, surface.width(), surface.height()} : rect_argument(o.rect);
      surface.fill(area, color);
      fmt::print("filled {}x{} at {},{} of {} with #{:02x}{:02x}{:02x}\n", area.width, area.height, area.x, area.y,
                 where, color.red, color.green, color.blue);
      break;
    }
    case Action::text: {
      auto fg = rgb_argument(o.foreground, "foreground");
      std::optional<screen::Rgb> bg;
      if (!o.background.empty()) bg = rgb_argument(o.background, "background");
      auto box = surface.draw_text(o.x, o.y, o.text, fg, bg ? &*bg : nullptr, o.scale);
      fmt::print("drew {} characters in {}x{} pixels at {},{} of {}\n", o.text.size(), box.width, box.height, o.x, o.y,
                 where);
      break;
    }
    case Action::show: {
      auto picture = screen::read_ppm(o.image);
      surface.blit(picture, o.x, o.y);
      fmt::print("showed {} ({}x{}) at {},{} of {}\n", o.image, picture.width, picture.height, o.x, o.y, where);
      break;
    }
    case Action::info:
      break;
  }
}

void hold(const std::string& text, std::int64_t ms) {
  if (ms <= 0) return;
  fmt::print("holding for {} s\n", text);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

int run(Action action, const FbOptions& o) {
  const std::int64_t hold_ms = o.hold.empty() ? 0 : parse_milliseconds(o.hold, "hold");
  // Parse colours and rectangles before touching a device, so a typo is a usage error (status 2).
  if (action == Action::fill) {
    rgb_argument(o.fill_color, "fill");
    if (!o.rect.empty()) rect_argument(o.rect);
  }
  if (action == Action::text) {
    rgb_argument(o.foreground, "foreground");
    if (!o.background.empty()) rgb_argument(o.background, "background");
  }

  if (!o.dri.empty()) {
    auto card = screen::DrmCard::open(o.dri);
    if (action == Action::info) {
      print_dri_info(card);
      return 0;
    }
    auto output = card.first_connected_output();
    auto shown = screen::DumbScreen::show(card, output);
    draw(action, o, shown.surface(), fmt::format("{} {} ({}x{} XRGB8888 dumb buffer)", o.dri, output.connector_name,
                                                 output.width, output.height));
    hold(o.hold, hold_ms);
    return 0;
  }
  if (action == Action::info) {
    print_info(o.device);
    return 0;
  }
  auto fb = screen::Framebuffer::open(o.device);
  const auto& g = fb.info().geometry;
  draw(action, o, fb.surface(), fmt::format("{} ({}x{} {})", o.device, g.width, g.height, g.format.describe()));
  hold(o.hold, hold_ms);
  return 0;
}

Registration fb{"fb", "Draw into a framebuffer's memory: fbdev /dev/fb0 or a DRM dumb buffer", [](CLI::App& app) {
  auto o = std::make_shared<FbOptions>();
  app.add_option("--device", o->device, "fbdev device (default /dev/fb0)");
  app.add_option("--dri", o->dri, "Use a DRM dumb buffer on this card instead (e.g. /dev/dri/card0)");
  app.add_option("--hold", o->hold, "Keep the picture (and the process) for this many seconds, e.g. 30 or 0.5");
  app.require_subcommand(1);
  app.fallthrough();

  auto info = app.add_subcommand("info", "Print the framebuffer's geometry and pixel format (or the DRM outputs)");
  auto fill = app.add_subcommand("fill", "Fill the screen or a rectangle with one colour");
  fill->add_option("COLOR", o->fill_color, "#rrggbb or a VGA colour name")->required();
  fill->add_option("--rect", o->rect, "X,Y,W,H (default: the whole screen)");
  auto text = app.add_subcommand("text", "Draw text in mapio's 8x8 font");
  text->add_option("TEXT", o->text, "The text (a newline starts a new line)")->required();
  text->add_option("--x", o->x, "Left edge in pixels");
  text->add_option("--y", o->y, "Top edge in pixels");
  text->add_option("--fg", o->foreground, "Text colour (default white)");
  text->add_option("--bg", o->background, "Background colour (default: leave the pixels under the text)");
  text->add_option("--scale", o->scale, "Each font pixel as an N x N square")->check(CLI::Range(1, 64));
  auto show = app.add_subcommand("show", "Copy a P6 PPM image onto the screen, pixel for pixel");
  show->add_option("IMAGE", o->image, "The image (binary PPM, P6)")->required();
  show->add_option("--x", o->x, "Left edge in pixels");
  show->add_option("--y", o->y, "Top edge in pixels");

  return [o, info, fill, text, show] {
    Action action = Action::info;
    if (fill->parsed()) action = Action::fill;
    else if (text->parsed()) action = Action::text;
    else if (show->parsed()) action = Action::show;
    else if (!info->parsed()) return usage_error_status;
    return run(action, *o);
  };
}};

}  // namespace
}  // namespace mapio::cli
