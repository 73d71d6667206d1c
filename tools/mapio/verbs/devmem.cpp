// `mapio devmem ADDRESS [WIDTH [VALUE]]`: read or write one word of physical memory through /dev/mem,
// with busybox devmem's grammar and output, so scripts written for one work with the other:
//
//     $ mapio devmem 0xfea00000          # WIDTH defaults to 32
//     0x010000ED
//     $ mapio devmem 0xfea00004 w 0x12345678     # a write prints nothing
//
// Stricter than busybox where busybox silently does something surprising: a VALUE wider than WIDTH,
// an address not aligned to the width, or a write to System RAM (unless --force) is refused.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arguments.hpp"
#include "command.hpp"
#include "devmem_request.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/physical.hpp"
#include "mapio/mmio/iomem.hpp"

namespace mapio::cli {
namespace {

struct DevmemOptions {
  std::string address, width, value;
  CLI::Option* address_option = nullptr;
  CLI::Option* width_option = nullptr;
  CLI::Option* value_option = nullptr;
  bool force = false;
  bool trace = false;
  std::string device = "/dev/mem";
  std::string iomem = "/proc/iomem";
};

using Request = DevmemRequest;

Request parse_request(const DevmemOptions& o, const std::vector<std::string>& extra) {
  const auto given = [](const CLI::Option* option, const std::string& text) {
    return option->count() > 0 ? std::optional<std::string>(text) : std::nullopt;
  };
  return parse_devmem_request(given(o.address_option, o.address), given(o.width_option, o.width),
                              given(o.value_option, o.value), extra);
}

// Writing into the kernel's own memory corrupts the running system; /proc/iomem says where it is.
void refuse_system_ram(const Request& r, const DevmemOptions& o) {
  const std::uint64_t last = r.address + (r.width / 8 - 1);
  const std::string subject = fmt::format("{} [{}-{}]", o.device, hex(r.address), hex(last));
  std::optional<mmio::ResourceTree> iomem;
  try {
    iomem = mmio::ResourceTree::read_iomem(o.iomem);
  } catch (const Error& e) {
    const std::string reason = e.explanation().empty() ? std::string(e.code().message()) : e.explanation();
    throw Error("write", subject, e.errno_value(),
                fmt::format("cannot tell from {} whether the address is System RAM ({}); --force writes anyway",
                            o.iomem, reason));
  }
  // An empty table proves nothing: /proc/iomem always lists System RAM, so an empty one is the wrong
  // file (or a FIFO nobody writes to), and "no System RAM there" would be a guess.
  if (iomem->empty()) {
    throw Error("write", subject, EPERM,
                fmt::format("cannot tell from {} whether the address is System RAM (it lists no resources); "
                            "--force writes anyway",
                            o.iomem));
  }
  if (iomem->overlaps_system_ram(r.address, last)) {
    throw Error("write", subject, EPERM,
                fmt::format("the address is System RAM in {}: writing there corrupts the running system; "
                            "--force writes anyway",
                            o.iomem));
  }
}

template <class B>
void access(B& bus, const Request& r) {
  if (r.value) {
    mmio::write_width(bus, 0, r.width, *r.value);
    return;
  }
  const std::uint64_t value = mmio::read_width(bus, 0, r.width);
  // Exactly busybox's line; stdout carries nothing else, so `$(mapio devmem ...)` is the value.
  std::fputs((devmem_hex(value, r.width) + "\n").c_str(), stdout);
}

int run(const DevmemOptions& o, const std::vector<std::string>& extra) {
  const Request r = parse_request(o, extra);
  // Map first: when /dev/mem itself is refused (not root, lockdown) that is the reason to report,
  // and --force could not help. Nothing is written before the System RAM check below.
  auto window = mmio::PhysicalWindow::map(
      r.address, r.width / 8,
      mmio::PhysicalOptions().writable(r.value.has_value()).device(o.device).iomem(o.iomem));
  if (r.value && !o.force) refuse_system_ram(r, o);
  // A read-only window is only ever read through this bus, so casting away const is safe.
  mmio::VolatileBus bus(const_cast<std::byte*>(window.mapping().data()), window.size(), o.device);
  if (o.trace) {
    // Trace lines go to stderr and name the physical address, not the offset in the window.
    mmio::TracingBus traced(bus, [address = r.address](const mmio::TraceEvent& event) {
      mmio::TraceEvent physical = event;
      physical.offset = static_cast<std::size_t>(address + event.offset);
      fmt::print(stderr, "{}\n", mmio::format_trace(physical));
    });
    access(traced, r);
  } else {
    access(bus, r);
  }
  return 0;
}

Registration devmem{
    "devmem", "Read or write one word of physical memory through /dev/mem (busybox devmem's grammar)",
    [](CLI::App& app) {
      auto o = std::make_shared<DevmemOptions>();
      app.footer(
          "ADDRESS and VALUE are in C notation: 0x hexadecimal, a leading 0 octal, otherwise decimal.\n"
          "WIDTH is 8, 16, 32 (the default) or 64 bits, or b, h, w, l.\n"
          "A read prints the value as busybox devmem does: 0x, upper-case hex, zero-padded to WIDTH/4\n"
          "digits, a newline (e.g. 0x010000ED). A write prints nothing.\n"
          "Unlike busybox: a VALUE wider than WIDTH, an ADDRESS not a multiple of WIDTH/8, and writes to\n"
          "System RAM (per /proc/iomem; --force overrides) are refused. Bad arguments exit with status 2,\n"
          "failures with status 1, each with one line on stderr. --trace logs the access on stderr as\n"
          "'read32  0xfea00000 -> 0x010000ed'.");
      o->address_option = app.add_option("ADDRESS", o->address, "Physical address");
      o->width_option = app.add_option("WIDTH", o->width, "Access width: 8, 16, 32, 64 or b, h, w, l");
      o->value_option = app.add_option("VALUE", o->value, "Value to write (omit to read)");
      app.add_flag("--force", o->force, "Write even to System RAM");
      app.add_flag("--trace", o->trace, "Log the register access on stderr");
      app.add_option("--device", o->device, "Memory device to map (default /dev/mem; any file works)");
      app.add_option("--iomem", o->iomem, "Resource table to consult (default /proc/iomem)");
      app.allow_extras();
      return [o, &app] { return run(*o, app.remaining()); };
    }};

}  // namespace
}  // namespace mapio::cli
