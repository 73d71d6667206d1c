// mapio.rdma: serve a buffer to other machines and read, write and update served regions over
// RDMA (mapio::rdma). Compiled only when the library was built with rdma-core (MAPIO_PYTHON_RDMA);
// otherwise the extension has no `rdma` submodule and mapio/rdma.py says why on import.
//
// Every call that waits runs without the GIL. A Connection is for one thread at a time (it keeps
// one work request and one staging buffer), so a second thread that calls into it while a call is
// running without the GIL gets a ValueError instead of a data race; the same holds for a Server.
#include "common.hpp"

#ifdef MAPIO_PYTHON_RDMA

#include <pybind11/stl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"

namespace mapio::python {
namespace {

using namespace std::chrono_literals;
using rdma::Rights;

// How long serve() runs without looking at Python's signals.
constexpr std::chrono::milliseconds slice = 100ms;

std::chrono::milliseconds timeout_of(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) throw py::value_error("timeout must be a number of seconds >= 0");
  return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double>(std::min(seconds, 1e9)));
}

std::uint16_t port_of(py::handle port) {
  if (!PyLong_Check(port.ptr())) throw py::type_error("port must be an int");
  const auto value = port.cast<py::int_>();
  if (value < py::int_(0) || value > py::int_(65535))
    throw py::value_error("port must be 0..65535, not " + std::string(py::str(py::object(value))));
  return value.cast<std::uint16_t>();
}

Rights rights_of(py::handle rights) {
  const auto bits = unsigned_value(rights, 32, "rights");
  if (bits & ~7u)
    throw py::value_error("rights: unknown bits " + std::to_string(bits) +
                          " (Rights.read, Rights.write and Rights.atomic are 1, 2 and 4)");
  return static_cast<Rights>(bits);
}

py::object rights_object(Rights rights) {
  return py::module_::import("mapio.rdma").attr("Rights")(static_cast<unsigned>(rights));
}

// A Py_buffer held for as long as the owner lives, released once (with the GIL).
struct HeldBuffer {
  Py_buffer view{};
  bool held = false;

  HeldBuffer() = default;
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
  ~HeldBuffer() { release(); }
  void release() {
    if (held) PyBuffer_Release(&view);
    held = false;
  }
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(view.buf), static_cast<std::size_t>(view.len)}; }
};

struct PyConnection {
  std::optional<rdma::Connection> connection;
  std::string address;  // "host:port", for repr
  bool busy = false;

  rdma::Connection& open() {
    if (!connection) throw py::value_error("Connection is closed");
    return *connection;
  }
};

struct PyServer {
  // Declared first, so released last: the served memory outlives the Server (which disconnects
  // every peer and deregisters the region when it is destroyed).
  HeldBuffer region;
  std::optional<rdma::Server> server;
  bool busy = false;

  ~PyServer() { server.reset(); }
  rdma::Server& open() {
    if (!server) throw py::value_error("Server is closed");
    return *server;
  }
  void close() {
    if (busy) throw py::value_error("Server is in use by another thread");
    server.reset();
    region.release();
  }
};

py::object read_remote(PyConnection& c, py::handle offset_value, py::handle length_or_buffer, double timeout) {
  auto& connection = c.open();
  const auto offset = unsigned_value(offset_value, 64, "rdma read");
  const auto wait = timeout_of(timeout);
  if (PyLong_Check(length_or_buffer.ptr())) {
    const auto length = unsigned_value(length_or_buffer, 63, "rdma read");
    PyObject* raw = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(length));
    if (raw == nullptr) throw py::error_already_set();
    auto out = py::reinterpret_steal<py::bytes>(raw);
    std::span<std::byte> into(reinterpret_cast<std::byte*>(PyBytes_AS_STRING(raw)), length);
    {
      InUse use(c.busy, "Connection");
      py::gil_scoped_release unlocked;
      connection.read(offset, into, wait);
    }
    return out;
  }
  HeldBuffer target;
  if (PyObject_GetBuffer(length_or_buffer.ptr(), &target.view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
    throw py::error_already_set();
  target.held = true;
  {
    InUse use(c.busy, "Connection");
    py::gil_scoped_release unlocked;
    connection.read(offset, target.bytes(), wait);
  }
  return py::int_(target.view.len);
}

void write_remote(PyConnection& c, py::handle offset_value, py::handle data, double timeout) {
  auto& connection = c.open();
  const auto offset = unsigned_value(offset_value, 64, "rdma write");
  const auto wait = timeout_of(timeout);
  HeldBuffer source;
  if (PyObject_GetBuffer(data.ptr(), &source.view, PyBUF_C_CONTIGUOUS) < 0) throw py::error_already_set();
  source.held = true;
  InUse use(c.busy, "Connection");
  py::gil_scoped_release unlocked;
  connection.write(offset, source.bytes(), wait);
}

std::unique_ptr<PyServer> make_server(py::handle region, py::handle rights_value, const std::string& address,
                                      py::handle port_value, int backlog) {
  const Rights rights = rights_of(rights_value);
  const rdma::ListenOptions options{address, port_of(port_value), backlog};
  const std::string subject = "rdma server " + address + ":" + std::to_string(options.port);
  auto s = std::make_unique<PyServer>();
  // Only remote reads need no more than a read-only buffer; writes and atomics need a writable one.
  const bool writable = rights != Rights::none && rights != Rights::read;
  if (PyObject_GetBuffer(region.ptr(), &s->region.view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS) < 0) {
    if (!writable || !PyObject_CheckBuffer(region.ptr())) throw py::error_already_set();
    PyErr_Clear();
    throw Error("rdma serve", subject, EACCES,
                "the region is read-only, so it can be served with Rights.read only (map it writable for " +
                    rdma::to_string(rights) + ")");
  }
  s->region.held = true;
  const auto bytes = s->region.bytes();
  py::gil_scoped_release unlocked;
  if (writable || rights == Rights::none) {
    s->server.emplace(bytes, rights, options);
  } else {
    s->server.emplace(std::span<const std::byte>(bytes), options);
  }
  return s;
}

std::size_t serve(PyServer& s, double timeout) {
  auto& server = s.open();
  InUse use(s.busy, "Server");
  const auto deadline = std::chrono::steady_clock::now() + timeout_of(timeout);
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::size_t peers = 0;
    {
      py::gil_scoped_release unlocked;
      peers = server.serve(std::clamp(left, 0ms, slice));
    }
    if (std::chrono::steady_clock::now() >= deadline) return peers;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

std::string port_text(const rdma::PortInfo& p) {
  return "<mapio.rdma.Port " + std::to_string(p.number) + ": " + p.state + ", " + p.link_layer + ", mtu " +
         std::to_string(p.mtu) + ">";
}

}  // namespace

void bind_rdma(py::module_& m) {
  auto r = m.def_submodule("rdma", "mapio::rdma: mappings other machines read and write (use mapio.rdma).");
  py::dict right_values;
  right_values["none"] = static_cast<unsigned>(Rights::none);
  right_values["read"] = static_cast<unsigned>(Rights::read);
  right_values["write"] = static_cast<unsigned>(Rights::write);
  right_values["atomic"] = static_cast<unsigned>(Rights::atomic);
  r.attr("_RIGHTS_VALUES") = right_values;

  py::class_<rdma::PortInfo>(r, "Port", "One port of an RDMA device, as `mapio rdma devices` shows it.")
      .def_readonly("number", &rdma::PortInfo::number)
      .def_readonly("state", &rdma::PortInfo::state, "\"active\", \"down\", ... (ibv_port_state_str)")
      .def_readonly("link_layer", &rdma::PortInfo::link_layer, "\"Ethernet\" (RoCE, soft-RoCE) or \"InfiniBand\"")
      .def_readonly("mtu", &rdma::PortInfo::mtu, "The active MTU in bytes.")
      .def_readonly("gids", &rdma::PortInfo::gids, "The non-zero GIDs, in IPv6 notation.")
      .def("__repr__", &port_text);
  py::class_<rdma::DeviceInfo>(r, "Device", "An RDMA device (ibv_get_device_list) and its ports.")
      .def_readonly("name", &rdma::DeviceInfo::name, "\"rxe0\", \"mlx5_0\"")
      .def_readonly("node_guid", &rdma::DeviceInfo::node_guid)
      .def_readonly("ports", &rdma::DeviceInfo::ports)
      .def("__repr__", [](const rdma::DeviceInfo& d) {
        return "<mapio.rdma.Device " + d.name + ", " + std::to_string(d.ports.size()) + " port(s)>";
      });
  r.def(
      "devices",
      [] {
        py::gil_scoped_release unlocked;
        return rdma::devices();
      },
      "Every RDMA device of this machine with its ports; [] on a machine without one (not an error).");

  py::class_<PyConnection>(
      r, "Connection",
      "A connection to a region another machine serves: one-sided READ, WRITE, compare-and-swap and\n"
      "fetch-and-add on it. Each request is checked against the length and rights the server\n"
      "advertised before it is posted (ValueError for ERANGE/EINVAL, PermissionError for EACCES).\n"
      "Timeouts are seconds; a request that times out closes the connection (TimeoutError).\n\n"
      "    with mapio.rdma.Connection.connect(\"10.0.0.1\", 7471) as remote:\n"
      "        page = remote.read(8192, 4096)\n"
      "        before = remote.fetch_and_add(0, 1)\n")
      .def_static(
          "connect",
          [](const std::string& host, py::handle port_value, double timeout) {
            const auto port = port_of(port_value);
            const auto wait = timeout_of(timeout);
            PyConnection c;
            {
              py::gil_scoped_release unlocked;
              c.connection.emplace(rdma::Connection::connect(host, port, wait));
            }
            c.address = host + ":" + std::to_string(port);
            return c;
          },
          py::arg("host"), py::arg("port") = 7471, py::arg("timeout") = 5.0,
          "Resolves `host` (a name or an address), connects and learns the served region, waiting up to\n"
          "`timeout` seconds without the GIL. ConnectionRefusedError when nobody serves that port,\n"
          "TimeoutError, mapio.Error with errno ENODEV when no RDMA device reaches `host`.")
      .def("read", &read_remote, py::arg("offset"), py::arg("length_or_buffer"), py::arg("timeout") = 5.0,
           "RDMA READ at `offset` of the remote region: read(offset, n) returns n bytes; read(offset, buffer)\n"
           "fills a writable buffer (bytearray, memoryview, numpy array, a mapio mapping) and returns its length.")
      .def("write", &write_remote, py::arg("offset"), py::arg("data"), py::arg("timeout") = 5.0,
           "RDMA WRITE of `data` (bytes or any contiguous buffer) at `offset` of the remote region.")
      .def(
          "compare_and_swap",
          [](PyConnection& c, py::handle offset, py::handle expected, py::handle desired, double timeout) {
            auto& connection = c.open();
            const auto at = unsigned_value(offset, 64, "rdma compare-and-swap");
            const auto compare = unsigned_value(expected, 64, "rdma compare-and-swap");
            const auto swap = unsigned_value(desired, 64, "rdma compare-and-swap");
            const auto wait = timeout_of(timeout);
            InUse use(c.busy, "Connection");
            py::gil_scoped_release unlocked;
            return connection.compare_and_swap(at, compare, swap, wait);
          },
          py::arg("offset"), py::arg("expected"), py::arg("desired"), py::arg("timeout") = 5.0,
          "Atomically replaces the 8-byte word at `offset` (8-byte aligned) with `desired` if it holds\n"
          "`expected`; returns the value it held (the swap happened when that equals `expected`).")
      .def(
          "fetch_and_add",
          [](PyConnection& c, py::handle offset, py::handle add, double timeout) {
            auto& connection = c.open();
            const auto at = unsigned_value(offset, 64, "rdma fetch-and-add");
            const auto value = unsigned_value(add, 64, "rdma fetch-and-add");
            const auto wait = timeout_of(timeout);
            InUse use(c.busy, "Connection");
            py::gil_scoped_release unlocked;
            return connection.fetch_and_add(at, value, wait);
          },
          py::arg("offset"), py::arg("add"), py::arg("timeout") = 5.0,
          "Atomically adds `add` (modulo 2**64) to the 8-byte word at `offset` (8-byte aligned); returns\n"
          "the value before.")
      .def_property_readonly(
          "length", [](PyConnection& c) { return c.open().remote().length; }, "Bytes the server exposes.")
      .def_property_readonly(
          "rights", [](PyConnection& c) { return rights_object(c.open().remote().rights); },
          "What the server allows: a mapio.rdma.Rights.")
      .def_property_readonly(
          "remote_address", [](PyConnection& c) { return c.open().remote().address; },
          "The region's virtual address in the server (as advertised; for diagnostics).")
      .def_property_readonly("address", [](const PyConnection& c) { return c.address; }, "\"host:port\".")
      .def_property_readonly("closed", [](const PyConnection& c) { return !c.connection.has_value(); })
      .def(
          "close",
          [](PyConnection& c) {
            if (c.busy) throw py::value_error("Connection is in use by another thread");
            c.connection.reset();
          },
          "Disconnects (closing twice is allowed).")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py::object self, py::args) { self.attr("close")(); })
      .def("__repr__", [](const PyConnection& c) {
        return c.connection ? "<mapio.rdma.Connection " + c.address + " " + std::to_string(c.connection->remote().length) +
                                  " bytes, " + rdma::to_string(c.connection->remote().rights) + ">"
                            : "<mapio.rdma.Connection " + c.address + " closed>";
      });

  py::class_<PyServer>(
      r, "Server",
      "Serves a buffer to every peer that connects: a mapio.MappedFile, SharedMemory or Memory (or\n"
      "any contiguous buffer). The Server holds the buffer (a mapio mapping then refuses close() and\n"
      "resize() with BufferError) until it is closed, and disconnects every peer and deregisters\n"
      "the memory before it lets go of it.\n\n"
      "    memory = mapio.Memory.anonymous(4096)\n"
      "    with mapio.rdma.Server(memory, mapio.rdma.Rights.read | mapio.rdma.Rights.atomic) as server:\n"
      "        while running:\n"
      "            server.serve(0.2)\n")
      .def(py::init(&make_server), py::arg("region"), py::arg("rights") = static_cast<unsigned>(Rights::read),
           py::kw_only(), py::arg("address") = "0.0.0.0", py::arg("port") = 7471, py::arg("backlog") = 8,
           "Listens on `address`:`port` (port 0: any free one, see .port) for peers of `region`, granting\n"
           "`rights` (a mapio.rdma.Rights). A read-only buffer takes Rights.read only (PermissionError);\n"
           "no rights is a ValueError (EINVAL); a machine without an RDMA device for `address` is\n"
           "mapio.Error with errno ENODEV.")
      .def("serve", &serve, py::arg("timeout") = 1.0,
           "Accepts, serves and reaps peers for `timeout` seconds without the GIL (Ctrl-C still\n"
           "arrives); returns how many peers are connected now.")
      .def(
          "take_refusal", [](PyServer& s) { return s.open().take_refusal(); },
          "Why the last peer that could not be served was refused (\"\" when none was since the last call).")
      .def(
          "fileno", [](PyServer& s) { return s.open().event_descriptor(); },
          "A descriptor that becomes readable when serve() has work (for select/poll).")
      .def_property_readonly("port", [](PyServer& s) { return s.open().port(); }, "The port bound.")
      .def_property_readonly("size", [](PyServer& s) { return s.open().size(); }, "Bytes served.")
      .def_property_readonly(
          "rights", [](PyServer& s) { return rights_object(s.open().rights()); }, "What peers may do: a mapio.rdma.Rights.")
      .def_property_readonly("closed", [](const PyServer& s) { return !s.server.has_value(); })
      .def("close", &PyServer::close,
           "Disconnects every peer, deregisters the memory, then lets go of the buffer (closing twice is allowed).")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py::object self, py::args) { self.attr("close")(); })
      .def("__repr__", [](const PyServer& s) {
        return s.server ? "<mapio.rdma.Server port " + std::to_string(s.server->port()) + ", " +
                              std::to_string(s.server->size()) + " bytes, " + rdma::to_string(s.server->rights()) + ">"
                        : std::string("<mapio.rdma.Server closed>");
      });
}

}  // namespace mapio::python

#else  // built without rdma-core: no submodule, and mapio/rdma.py explains.

namespace mapio::python {
void bind_rdma(py::module_&) {}
}  // namespace mapio::python

#endif
