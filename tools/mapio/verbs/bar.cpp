// `mapio bar`: read or write a register in a PCI device's BAR, by PCI address, through the BAR's
// sysfs resource file (like busybox devmem, but the address is a BAR offset and no /dev/mem is needed).
//
//     mapio bar 00:04.0 0 0x00              # read32 at BAR0 + 0   -> 0x010000ED
//     mapio bar 00:04.0 0 0x08 32 0x0a      # write32 10 to BAR0 + 8
//     mapio bar 00:04.0 0 0x00 32*4         # four 32-bit values, one per line
//     mapio bar 00:04.0 2 0 64 --wc         # through resource2_wc (write-combining) if it exists
//     mapio bar 00:04.0 0 4 32 7 --trace    # also log each access to stderr
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/pci.hpp"

namespace mapio::cli {
namespace {

struct BarRequest {
  mmio::PciAddress device;
  unsigned bar = 0;
  std::uint64_t offset = 0;
  unsigned width = 32;
  std::uint64_t count = 1;
  std::optional<std::uint64_t> value;
};

// The words as typed; CLI11 sees to it that the first three are there.
struct Options {
  std::string device, bar, offset, width, value;
  CLI::Option* width_option = nullptr;
  CLI::Option* value_option = nullptr;
  bool wc = false;
  bool trace = false;
  std::string sysfs = "/sys";
};

BarRequest parse_request(const Options& o) {
  BarRequest request;
  request.device = parse_pci_address(o.device);
  const std::string& bar = o.bar;
  if (bar.size() != 1 || bar[0] < '0' || bar[0] > '5') throw ArgumentError(fmt::format("bad BAR '{}': use 0 to 5", bar));
  request.bar = static_cast<unsigned>(bar[0] - '0');
  request.offset = parse_number(o.offset, "offset");
  if (o.width_option->count() > 0) {
    std::string_view width = o.width;
    auto star = width.find('*');
    if (star != std::string_view::npos) {
      std::string_view count = width.substr(star + 1);
      request.count = parse_number(count, "count");
      if (request.count == 0) throw ArgumentError(fmt::format("bad count '{}': must be at least 1", count));
      width = width.substr(0, star);
    }
    request.width = parse_width(width);
  }
  if (o.value_option->count() > 0) {
    if (request.count != 1) {
      throw ArgumentError(fmt::format("bad value '{}': a write takes WIDTH without *COUNT", o.value));
    }
    request.value = parse_value(o.value, request.width);
  }
  return request;
}

template <mmio::Bus B>
void perform(B& bus, const BarRequest& request) {
  if (request.value) {
    mmio::write_width(bus, static_cast<std::size_t>(request.offset), request.width, *request.value);
    return;
  }
  // Check the whole dump first, so that a range that runs off the BAR prints nothing.
  std::uint64_t step = request.width / 8;
  bus.check(static_cast<std::size_t>(request.offset + (request.count - 1) * step), step,
            mmio::access_name(mmio::Direction::read, step));
  for (std::uint64_t i = 0; i < request.count; ++i) {
    auto value = mmio::read_width(bus, static_cast<std::size_t>(request.offset + i * step), request.width);
    fmt::print("{}\n", devmem_hex(value, request.width));
  }
}

Registration bar_verb{
    "bar",
    "Read, dump or write a register in a PCI BAR: DEVICE BAR OFFSET [WIDTH[*COUNT] [VALUE]]",
    [](CLI::App& app) {
      auto options = std::make_shared<Options>();
      app.add_option("DEVICE", options->device, "PCI function: [DOMAIN:]BUS:DEVICE.FUNCTION (0000:00:04.0 or 00:04.0)")
          ->required();
      app.add_option("BAR", options->bar, "0 to 5")->required();
      app.add_option("OFFSET", options->offset, "Byte offset in the BAR")->required();
      options->width_option = app.add_option(
          "WIDTH", options->width, "8, 16, 32, 64 or b, h, w, l (default 32); WIDTH*COUNT reads COUNT values");
      options->value_option = app.add_option("VALUE", options->value, "Value to write (omit to read)");
      app.footer(
          "OFFSET, COUNT and VALUE are in C notation: 0x hexadecimal, a leading 0 octal, otherwise decimal.\n"
          "Reads print 0x and upper-case hex zero-padded to the width, one value per line, as busybox\n"
          "devmem does; writes print nothing.");
      app.add_flag("--wc", options->wc, "Map resourceN_wc (write-combining; prefetchable BARs only)");
      app.add_flag("--trace", options->trace, "Log each register access to stderr");
      app.add_option("--sysfs", options->sysfs, "sysfs root (default /sys)");
      return [options]() -> int {
        const BarRequest request = parse_request(*options);
        auto device = mmio::PciBus(options->sysfs).device(request.device);
        mmio::BarMapOptions map_options;
        map_options.write_combining = options->wc;
        map_options.protection = request.value ? Protection::read_write : Protection::read;
        auto bar = device.map_bar(request.bar, map_options);
        if (!bar.note.empty()) fmt::print(stderr, "mapio bar: note: {}\n", bar.note);
        // A read-only mapping still gets a VolatileBus; reads never store through the pointer.
        mmio::VolatileBus bus(const_cast<std::byte*>(bar.mapping.data()), bar.mapping.size(),
                              fmt::format("{} BAR {}", device.address.to_string(), request.bar));
        if (options->trace) {
          mmio::TracingBus traced(bus, mmio::FileTraceSink(stderr));
          perform(traced, request);
        } else {
          perform(bus, request);
        }
        return 0;
      };
    }};

}  // namespace
}  // namespace mapio::cli
