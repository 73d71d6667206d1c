// edu: drive QEMU's educational PCI device from user space through a mapped BAR.
//
//   edu [--resource PATH | --simulate] [--trace] MODE [ARGS...]
//
//   edu info                      identification register: version and magic
//   edu liveness [VALUE]          write VALUE (default 0x12345678) to 0x04, expect its inverse back
//   edu factorial N [N...]        compute N! on the device, polling the busy bit
//
// --resource names the BAR's sysfs file (default /sys/bus/pci/devices/0000:00:04.0/resource0),
// which is mapped with mmap(2); --simulate runs the same driver on a software model of edu (any
// machine); --trace prints every register access to stderr ("read32  0x0000 -> 0x010000ed").
//
// Modes register themselves (mode.hpp): a new mode is a new *_mode.cpp file in this directory,
// and this file does not change.
#include <charconv>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "mode.hpp"

namespace {

using edu::cli::Invocation;

bool parse_u32(std::string_view text, std::uint32_t& value) {
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

int info(const Invocation& invocation) {
  return edu::cli::with_bus(invocation, [](auto& bus) {
    edu::Driver driver(bus);
    const edu::Identity id = driver.expect_edu();
    std::printf("device:         %s\n", std::string(bus.name()).c_str());
    std::printf("identification: 0x%08x (edu version %u.%u, magic 0x%02x)\n", id.raw, id.major, id.minor, id.magic);
    return 0;
  });
}

int liveness(const Invocation& invocation) {
  std::uint32_t probe = 0x12345678;
  if (invocation.arguments.size() > 1 || (invocation.arguments.size() == 1 && !parse_u32(invocation.arguments[0], probe))) {
    std::fprintf(stderr, "edu liveness: expected one 32-bit VALUE\n");
    return 2;
  }
  return edu::cli::with_bus(invocation, [probe](auto& bus) {
    edu::Driver driver(bus);
    const std::uint32_t answer = driver.liveness(probe);
    const bool alive = answer == static_cast<std::uint32_t>(~probe);
    std::printf("liveness: wrote 0x%08x, read 0x%08x: %s\n", probe, answer, alive ? "alive" : "NOT alive");
    return alive ? 0 : 1;
  });
}

int factorial(const Invocation& invocation) {
  std::vector<std::uint32_t> operands;
  for (const auto& argument : invocation.arguments) {
    std::uint32_t n = 0;
    if (!parse_u32(argument, n)) {
      std::fprintf(stderr, "edu factorial: '%s' is not a 32-bit unsigned number\n", argument.c_str());
      return 2;
    }
    operands.push_back(n);
  }
  if (operands.empty()) {
    std::fprintf(stderr, "edu factorial: expected N [N...]\n");
    return 2;
  }
  return edu::cli::with_bus(invocation, [&operands](auto& bus) {
    edu::Driver driver(bus);
    driver.expect_edu();
    for (std::uint32_t n : operands) {
      // The device multiplies in 32 bits: from 13! on, the result is n! mod 2^32.
      std::printf("%u! = %u%s\n", n, driver.factorial(n), n > 12 ? " (mod 2^32)" : "");
    }
    return 0;
  });
}

const edu::cli::ModeRegistration info_mode{{"info", "", "identification: version and magic", info}};
const edu::cli::ModeRegistration liveness_mode{{"liveness", "[VALUE]", "write VALUE to 0x04, expect ~VALUE back", liveness}};
const edu::cli::ModeRegistration factorial_mode{{"factorial", "N [N...]", "compute N! on the device", factorial}};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: edu [--resource PATH | --simulate] [--trace] MODE [ARGS...]\n\nmodes:\n");
  for (const auto& mode : edu::cli::modes()) {
    const std::string head = std::string(mode.name) + (mode.arguments.empty() ? "" : " ") + std::string(mode.arguments);
    std::fprintf(out, "  %-22s %.*s\n", head.c_str(), static_cast<int>(mode.summary.size()), mode.summary.data());
  }
  std::fprintf(out,
               "\noptions:\n"
               "  --resource PATH        the BAR0 sysfs file (default %.*s)\n"
               "  --simulate             run on a software model of edu instead\n"
               "  --trace                print every register access to stderr\n",
               static_cast<int>(edu::cli::default_resource.size()), edu::cli::default_resource.data());
}

}  // namespace

int main(int argc, char** argv) {
  Invocation invocation;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--simulate") {
      invocation.simulate = true;
    } else if (arg == "--trace") {
      invocation.trace = true;
    } else if (arg == "--resource" && i + 1 < argc) {
      invocation.resource = argv[++i];
    } else if (arg.starts_with("--resource=")) {
      invocation.resource = std::string(arg.substr(11));
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "edu: unknown option '%s'\n\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      break;
    }
  }
  if (i == argc) {
    usage(stderr);
    return 2;
  }
  invocation.mode = argv[i];
  invocation.arguments.assign(argv + i + 1, argv + argc);
  for (const auto& mode : edu::cli::modes()) {
    if (mode.name != invocation.mode) continue;
    try {
      return mode.run(invocation);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "edu %s: %s\n", invocation.mode.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "edu: unknown mode '%s'\n\n", invocation.mode.c_str());
  usage(stderr);
  return 2;
}
