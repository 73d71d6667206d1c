// `mapio uio`: UIO devices and their interrupts.
//
//     mapio uio                        # every /dev/uioN with its maps (sysfs class/uio)
//     mapio uio --json
//     mapio uio wait 0 --timeout 2     # block for the next interrupt, print the count
//     mapio uio enable 0               # re-enable the interrupt (uio_pci_generic: clear INTx-disable)
//     mapio uio enable 0 --trace       # and log each access it made
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "json_text.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/uio.hpp"

namespace mapio::cli {
namespace {

struct Options {
  std::string sysfs = "/sys";
  std::string dev = "/dev";
  bool json = false;
  // Kept as text and parsed here, so that a bad one gets mapio's grammar and message (status 2).
  std::string wait_number;
  std::string timeout;
  std::string enable_number;
  bool trace = false;
};

unsigned parse_device_number(std::string_view text) {
  std::uint64_t number = parse_number(text, "device number");
  if (number > std::numeric_limits<unsigned>::max()) {
    throw ArgumentError(fmt::format("bad device number '{}': too large (the largest is {})", text,
                                    std::numeric_limits<unsigned>::max()));
  }
  return static_cast<unsigned>(number);
}

void list(const Options& options) {
  // A machine without UIO has /sys but no class/uio (an empty list); a --sysfs that is not there is
  // a mistake, not such a machine.
  std::error_code ec;
  if (!std::filesystem::is_directory(options.sysfs, ec)) {
    throw Error("list UIO devices", options.sysfs, ec ? ec.value() : ENOTDIR,
                "no such directory (--sysfs names the sysfs root, e.g. /sys)");
  }
  auto devices = mmio::list_uio_devices({options.sysfs, options.dev});
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : devices) {
      nlohmann::json maps = nlohmann::json::array();
      for (const auto& m : d.maps) {
        maps.push_back({{"index", m.index}, {"name", m.name}, {"address", fmt::format("{:#x}", m.address)},
                        {"size", m.size}, {"offset", m.offset}});
      }
      out.push_back({{"device", fmt::format("uio{}", d.number)},
                     {"name", d.name},
                     {"version", d.version},
                     {"pci_address", d.pci_address ? nlohmann::json(d.pci_address->to_string()) : nlohmann::json(nullptr)},
                     {"maps", maps}});
    }
    fmt::print("{}", json_text(out));
    return;
  }
  if (devices.empty()) {
    fmt::print(stderr, "mapio uio: no UIO devices in {}/class/uio (load uio and a UIO driver such as uio_pci_generic)\n",
               options.sysfs);
    return;
  }
  for (const auto& d : devices) {
    fmt::print("uio{}  {} {}{}\n", d.number, d.name, d.version,
               d.pci_address ? "  pci " + d.pci_address->to_string() : std::string());
    for (const auto& m : d.maps) {
      fmt::print("    map{}: address {:#x} size {:#x} offset {:#x}{}\n", m.index, m.address, m.size, m.offset,
                 m.name.empty() ? std::string() : "  " + m.name);
    }
  }
}

Registration uio_verb{"uio", "List UIO devices and their maps; wait for or re-enable an interrupt", [](CLI::App& app) {
  auto options = std::make_shared<Options>();
  app.add_flag("--json", options->json, "Print the list as JSON");
  app.add_option("--sysfs", options->sysfs, "sysfs root (default /sys)");
  app.add_option("--dev", options->dev, "device directory holding uioN (default /dev)");
  CLI::App* wait = app.add_subcommand("wait", "Block until uioN's next interrupt and print the interrupt count");
  wait->add_option("N", options->wait_number, "UIO device number (/dev/uioN)")->required();
  wait->add_option("--timeout", options->timeout, "Give up after this many seconds, e.g. 2 or 0.5 (exit 1, ETIMEDOUT)");
  CLI::App* enable = app.add_subcommand("enable", "Re-enable uioN's interrupt (uio_pci_generic: clear command bit 10)");
  enable->add_option("N", options->enable_number, "UIO device number (/dev/uioN)")->required();
  enable->add_flag("--trace", options->trace, "Log each access (irqcontrol write, config space) to stderr");
  app.require_subcommand(0, 1);
  return [options, wait, enable]() -> int {
    mmio::UioPaths paths{options->sysfs, options->dev};
    unsigned number = 0;
    std::optional<std::chrono::milliseconds> timeout;
    if (wait->parsed()) number = parse_device_number(options->wait_number);
    if (enable->parsed()) number = parse_device_number(options->enable_number);
    if (wait->parsed() && wait->count("--timeout") > 0) {
      timeout = std::chrono::milliseconds(parse_milliseconds(options->timeout, "timeout"));
    }
    if (wait->parsed()) {
      auto device = mmio::UioDevice::open(number, paths);
      std::uint32_t count = timeout ? device.wait(*timeout) : device.wait();
      fmt::print("{}\n", count);
      return 0;
    }
    if (enable->parsed()) {
      mmio::TraceSink trace;
      if (options->trace) {
        // Two places are written, so each line names its file before the access.
        trace = [](const mmio::TraceEvent& event) {
          fmt::print(stderr, "{}: {}\n", event.bus, mmio::format_trace(event));
        };
      }
      mmio::UioDevice::open(number, paths).enable_interrupts(trace);
      return 0;
    }
    list(*options);
    return 0;
  };
}};

}  // namespace
}  // namespace mapio::cli
