// `mapio tour` step about devices: typed registers, polling and tracing, on a simulated device so
// that the step runs on any machine (the same driver code runs on real MMIO; see examples/edu).
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"
#include "mapio/mmio/registers.hpp"
#include "tour_step.hpp"

namespace mapio::cli::tour {
namespace {

// A tiny "multiplier" device: write two operands, set start; busy stays up for three status reads.
namespace regs {
struct Operand : mmio::Register<Operand, std::uint32_t, 0x00, mmio::RegisterAccess::write_only> {
  static constexpr std::string_view name = "operand";
  static constexpr field<0, 16> a{"a"};
  static constexpr field<16, 16> b{"b"};
};
struct Control : mmio::Register<Control, std::uint32_t, 0x04, mmio::RegisterAccess::read_write> {
  static constexpr std::string_view name = "control";
  static constexpr field<0, 1> start{"start"};
};
struct Status : mmio::Register<Status, std::uint32_t, 0x08, mmio::RegisterAccess::read_only> {
  static constexpr std::string_view name = "status";
  static constexpr field<0, 1> busy{"busy"};
};
struct Result : mmio::Register<Result, std::uint32_t, 0x0c, mmio::RegisterAccess::read_only> {
  static constexpr std::string_view name = "result";
};
inline constexpr Operand operand{};
inline constexpr Control control{};
inline constexpr Status status{};
inline constexpr Result result{};
}  // namespace regs

StepRegistration registers{
    70, "Device registers, declared once",
    "Each register is a type of its own: offset, width, access and named fields. Reading a field shifts\n"
    "and masks for you; writing a read-only register or another register's field does not compile, and\n"
    "a value too wide for its field is refused. poll_until waits like the kernel's readx_poll_timeout.\n"
    "This device is simulated (SimBus); over a mapped BAR the same code is one mov per access.",
    [](Context& tour) {
      mmio::SimBus device(0x10, "multiplier");
      std::uint32_t a = 0, b = 0, busy_reads = 0, product = 0;
      device.on_write([&](std::size_t offset, unsigned, std::uint64_t value) {
        if (offset == regs::Operand::offset) {
          a = static_cast<std::uint32_t>(value & 0xffff);
          b = static_cast<std::uint32_t>(value >> 16);
        } else if (offset == regs::Control::offset && (value & 1)) {
          product = a * b;
          busy_reads = 3;
        }
      });
      device.on_read([&](std::size_t offset, unsigned) -> std::uint64_t {
        if (offset == regs::Status::offset) return busy_reads > 0 ? (busy_reads--, 1u) : 0u;
        if (offset == regs::Result::offset) return product;
        return 0;
      });
      std::vector<std::string> trace;
      mmio::TracingBus traced(device, [&](const mmio::TraceEvent& event) { trace.push_back(mmio::format_trace(event)); });
      mmio::RegisterMap<decltype(traced), regs::Operand, regs::Control, regs::Status, regs::Result> map(traced);

      map[regs::operand].write(regs::Operand::a(1234) | regs::Operand::b(5678));
      map[regs::control].write(regs::Control::start(1));
      using namespace std::chrono_literals;
      mmio::poll_until(map[regs::status], mmio::is_clear(regs::Status::busy), 100ms, 0us);
      tour.say("1234 x 5678 = {} (the device said {})", 1234 * 5678, map[regs::result].read());
      const std::uint32_t too_wide = 70000;  // operand a has 16 bits
      try {
        map[regs::operand].write(regs::Operand::a(too_wide) | regs::Operand::b(1));
        tour.say("a({}) was written: the field check is missing", too_wide);
      } catch (const Error& e) {
        tour.say("a({}) is refused before the device sees it: {} for {}", too_wide,
                 e.errno_value() == EOVERFLOW ? "EOVERFLOW" : "another error", e.subject());
      }
      tour.say("every access, as `--trace` prints it on the device verbs:");
      for (const auto& line : trace) fmt::print("       {}\n", line);
    }};

}  // namespace
}  // namespace mapio::cli::tour
