// SimBus and TracingBus for Python: a device made of Python callables, so a driver written in
// Python can be tested without hardware, and any bus with every access reported.
#include "buses.hpp"

#include <pybind11/functional.h>

#include <variant>

#include "mapio/mmio/sim_bus.hpp"
#include "mapio/mmio/tracing_bus.hpp"

namespace mapio::python {

namespace {

struct PySimBus {
  PySimBus(std::size_t size, std::string name, bool store)
      : bus(size, std::move(name), store ? mmio::SimBus::Store::memory : mmio::SimBus::Store::none) {}
  mmio::SimBus bus;
  py::object read_handler = py::none();
  py::object write_handler = py::none();
};

/// One access as Python sees it (a copy: the C++ event points into the bus).
struct PyTraceEvent {
  std::string bus;
  std::size_t offset = 0;
  unsigned width = 0;
  std::uint64_t value = 0;
  bool write = false;
  bool relaxed = false;
  std::string text;
};

struct PyTracingBus {
  using OverWindow = mmio::TracingBus<mmio::VolatileBus>;
  using OverSim = mmio::TracingBus<mmio::SimBus>;

  py::object inner;  // keeps the traced bus alive
  Lender* inner_lender = nullptr;  // a Window's loan counter: it cannot close under the tracer
  py::object sink = py::none();
  py::list events;
  std::variant<std::unique_ptr<OverWindow>, std::unique_ptr<OverSim>> bus;

  ~PyTracingBus() {
    if (inner_lender != nullptr) --inner_lender->exports;
  }

  void report(const mmio::TraceEvent& event) {
    PyTraceEvent copy{std::string(event.bus), event.offset, event.width, event.value,
                      event.direction == mmio::Direction::write, event.ordering == mmio::Ordering::relaxed,
                      mmio::format_trace(event)};
    py::object object = py::cast(std::move(copy));
    if (sink.is_none()) events.append(object);
    else sink(object);
  }
};

/// Calls `f` with the traced bus, whatever it traces.
template <class F>
decltype(auto) with_bus(PyTracingBus& t, F&& f) {
  return std::visit([&](auto& bus) -> decltype(auto) { return f(*bus); }, t.bus);
}

/// A bus-shaped view of PyTracingBus for bind_bus_methods: forwards each call to the variant.
struct TracedAccess {
  PyTracingBus& t;
  std::size_t size() const { return with_bus(t, [](auto& b) { return b.size(); }); }
  std::string name() const { return with_bus(t, [](auto& b) { return std::string(b.name()); }); }
  template <mmio::Word T>
  T read(std::size_t offset) const { return with_bus(t, [&](auto& b) { return b.template read<T>(offset); }); }
  template <mmio::Word T>
  void write(std::size_t offset, T value) { with_bus(t, [&](auto& b) { b.template write<T>(offset, value); }); }
  template <mmio::Word T>
  T read_relaxed(std::size_t offset) const {
    return with_bus(t, [&](auto& b) { return b.template read_relaxed<T>(offset); });
  }
  template <mmio::Word T>
  void write_relaxed(std::size_t offset, T value) {
    with_bus(t, [&](auto& b) { b.template write_relaxed<T>(offset, value); });
  }
  template <mmio::Word T, mmio::Ordering O = mmio::Ordering::ordered>
  T load(std::size_t offset) const { return with_bus(t, [&](auto& b) { return b.template load<T, O>(offset); }); }
  template <mmio::Word T, mmio::Ordering O = mmio::Ordering::ordered>
  void store(std::size_t offset, T value) {
    with_bus(t, [&](auto& b) { b.template store<T, O>(offset, value); });
  }
  void check(std::size_t offset, std::size_t bytes, std::string_view operation, std::string_view what = {}) const {
    with_bus(t, [&](auto& b) { b.check(offset, bytes, operation, what); });
  }
};
static_assert(mmio::Bus<TracedAccess>);

}  // namespace

void bind_buses(py::module_& m) {
  py::class_<PySimBus> sim(
      m, "SimBus",
      "A simulated device: `size` bytes of registers, plain memory unless handlers say otherwise.\n\n"
      "    bus = mapio.SimBus(0x100, \"timer\")\n"
      "    bus.on_read(lambda offset, width: 7 if offset == 0 else bus.stored(offset, width))\n"
      "    assert bus.read32(0) == 7\n\n"
      "Every access is bounds- and alignment-checked like a device window's (ValueError), and\n"
      "counted (counts). Handlers are called with the offset, the width in bits and, for writes,\n"
      "the value; an exception a handler raises reaches the caller of the access.");
  sim.def(py::init<std::size_t, std::string, bool>(), py::arg("size"), py::arg("name") = "sim",
          py::arg("store") = true,
          "store=False: no backing memory; unhandled reads return all ones, unhandled writes are dropped.")
      .def(
          "on_read",
          [](PySimBus& s, py::object handler) {
            s.read_handler = handler;
            if (handler.is_none()) {
              s.bus.on_read(nullptr);
              return;
            }
            s.bus.on_read([&s](std::size_t offset, unsigned width) -> std::uint64_t {
              return unsigned_value(s.read_handler(offset, width), width, "SimBus read handler");
            });
          },
          py::arg("handler"), "Sets the read handler: handler(offset, width) -> int (None: back to memory).")
      .def(
          "on_write",
          [](PySimBus& s, py::object handler) {
            s.write_handler = handler;
            if (handler.is_none()) {
              s.bus.on_write(nullptr);
              return;
            }
            s.bus.on_write([&s](std::size_t offset, unsigned width, std::uint64_t value) {
              s.write_handler(offset, width, value);
            });
          },
          py::arg("handler"), "Sets the write handler: handler(offset, width, value) (None: back to memory).")
      .def(
          "stored", [](const PySimBus& s, std::size_t offset, unsigned width) { return s.bus.stored(offset, width); },
          py::arg("offset"), py::arg("width"), "The backing store's `width` bits at `offset`, no handler called.")
      .def(
          "store_value",
          [](PySimBus& s, std::size_t offset, unsigned width, py::handle value) {
            s.bus.store_value(offset, width, unsigned_value(value, width, "store_value"));
          },
          py::arg("offset"), py::arg("width"), py::arg("value"), "Writes the backing store, no handler called.")
      .def_property_readonly(
          "counts",
          [](const PySimBus& s) {
            const auto& c = s.bus.counts();
            py::dict d;
            d["reads"] = c.reads;
            d["writes"] = c.writes;
            d["relaxed"] = c.relaxed;
            return d;
          },
          "Accesses so far: {'reads': n, 'writes': n, 'relaxed': n} (relaxed counts among both).");
  bind_bus_methods<false>(sim, [](PySimBus& s) -> mmio::SimBus& { return s.bus; });

  py::class_<PyTraceEvent>(m, "TraceEvent", "One register access a TracingBus saw.")
      .def_readonly("bus", &PyTraceEvent::bus)
      .def_readonly("offset", &PyTraceEvent::offset)
      .def_readonly("width", &PyTraceEvent::width, "8, 16, 32 or 64 bits")
      .def_readonly("value", &PyTraceEvent::value)
      .def_readonly("write", &PyTraceEvent::write, "True for a write, False for a read")
      .def_readonly("relaxed", &PyTraceEvent::relaxed)
      .def("__str__", [](const PyTraceEvent& e) { return e.text; })
      .def("__repr__", [](const PyTraceEvent& e) { return "<mapio.TraceEvent " + e.text + ">"; });

  py::class_<PyTracingBus> tracing(
      m, "TracingBus",
      "Another bus (a device window or a SimBus) with every access that took place reported:\n"
      "to sink(event) when a sink is given, else appended to `events`.\n\n"
      "    traced = mapio.TracingBus(bar)\n"
      "    traced.write32(0x04, 0x12345678)\n"
      "    print(traced.events[-1])          # write32 0x0004 <- 0x12345678\n");
  tracing.def(py::init([](py::object inner, py::object sink) {
                auto t = std::make_unique<PyTracingBus>();
                t->inner = inner;
                t->sink = sink;
                PyTracingBus* self = t.get();
                mmio::TraceSink report = [self](const mmio::TraceEvent& event) { self->report(event); };
                if (py::isinstance<Window>(inner)) {
                  auto& window = inner.cast<Window&>();
                  auto& bus = window.checked_bus();
                  t->bus = std::make_unique<PyTracingBus::OverWindow>(bus, report);
                  t->inner_lender = &window;
                  ++window.exports;
                } else if (py::isinstance<PySimBus>(inner)) {
                  t->bus = std::make_unique<PyTracingBus::OverSim>(inner.cast<PySimBus&>().bus, report);
                } else {
                  throw py::type_error("TracingBus traces a device window or a SimBus");
                }
                return t;
              }),
              py::arg("bus"), py::arg("sink") = py::none())
      .def_readonly("events", &PyTracingBus::events, "The events seen so far (when there is no sink).")
      .def_readonly("inner", &PyTracingBus::inner, "The traced bus.");
  bind_bus_methods<false>(tracing, [](PyTracingBus& t) { return TracedAccess{t}; });
}

}  // namespace mapio::python
