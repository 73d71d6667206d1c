// Device memory for Python: /dev/mem windows, PCI BARs through sysfs and UIO maps, each a Window
// whose register accessors are mapio's VolatileBus (one access of exactly the asked width).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "buses.hpp"
#include "mapio/mmio/pci.hpp"
#include "mapio/mmio/physical.hpp"
#include "mapio/mmio/uio.hpp"

namespace mapio::python {

namespace {

/// A /dev/mem window: a Window with the physical address it was asked for.
struct PhysicalWindowHolder : Window {
  using Window::Window;
};

struct PyUioDevice : Lender {
  explicit PyUioDevice(mmio::UioDevice d) : device(std::move(d)) {}
  mmio::UioDevice device;
};

Protection protection_for(bool writable) { return writable ? Protection::read_write : Protection::read; }

py::dict bar_dict(const mmio::Bar& bar) {
  py::dict d;
  d["index"] = bar.index;
  d["address"] = bar.address;
  d["size"] = bar.size;
  d["flags"] = bar.flags;
  d["memory"] = bar.is_memory();
  d["io"] = bar.is_io();
  d["prefetchable"] = bar.is_prefetchable();
  d["is_64bit"] = bar.is_64bit();
  d["description"] = mmio::describe_bar(bar);
  return d;
}

}  // namespace

void bind_devices(py::module_& m) {
  py::class_<Window> window(
      m, "Window",
      "Device memory mapped by mapio (a PCI BAR, a UIO map, a /dev/mem window) with register\n"
      "accessors: read8/16/32/64(offset) and write8/16/32/64(offset, value) are each exactly one\n"
      "access of exactly that width at the device, through mapio's volatile bus, bounds- and\n"
      "alignment-checked first (a bad offset is a ValueError, and nothing is accessed).\n"
      "A Window is deliberately not a buffer: a memoryview slice or struct.unpack_from of device\n"
      "memory goes through memcpy, which gives no access width.");
  bind_bus_methods<true>(window, [](Window& w) -> mmio::VolatileBus& { return w.checked_bus(); });
  install_fast_window_access(window);
  window
      .def_property_readonly("address", [](const Window& w) { return w.address; },
                             "The physical address of offset 0 (0 when mapio does not know it).")
      .def_property_readonly("writable", [](Window& w) { return w.checked_bus().writable(); })
      .def_property_readonly("closed", [](const Window& w) { return w.closed; })
      .def_property_readonly("note", [](const Window& w) { return w.note; },
                             "What could not be granted (e.g. no write-combining resource file).")
      .def(
          "read_safely",
          [](Window& w, std::size_t offset, std::size_t size) {
            w.check_open("window");
            std::string out(size, '\0');
            w.mapping.read_safely(offset, std::as_writable_bytes(std::span<char>(out.data(), out.size())));
            return py::bytes(out);
          },
          py::arg("offset"), py::arg("size"),
          "Copies bytes out (memcpy: no access width), surviving a revoked mapping as mapio.Error.")
      .def(
          "close",
          [](Window& w) {
            if (w.closed) return;
            w.check_not_lent("window", "close");
            w.bus.reset();
            w.mapping.unmap();
            w.closed = true;
          },
          "Unmaps the window; refused (BufferError) while a TracingBus traces it.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py::object self, py::args) { self.attr("close")(); })
      .def("__repr__", [](Window& w) {
        return w.closed ? std::string("<mapio.Window closed>")
                        : "<mapio.Window " + w.bus->name() + " " + std::to_string(w.bus->size()) + " bytes>";
      });

  py::class_<PhysicalWindowHolder, Window>(
      m, "PhysicalWindow",
      "A window onto physical memory through /dev/mem (O_SYNC: device memory uncached).\n\n"
      "    regs = mapio.PhysicalWindow.map(0xfea00000, 0x100)   # read-only\n"
      "    hex(regs.read32(0))                                  # edu: '0x10000ed'\n\n"
      "When the kernel refuses, the mapio.Error says why (STRICT_DEVMEM, a driver's claim,\n"
      "lockdown, no /dev/mem).")
      .def_static(
          "map",
          [](std::uint64_t address, std::size_t length, bool writable, const std::filesystem::path& device) {
            auto options = mmio::PhysicalOptions().writable(writable).device(device);
            auto physical = mmio::PhysicalWindow::map(address, length, options);
            return PhysicalWindowHolder(std::move(physical.mapping()), address, {});
          },
          py::arg("address"), py::arg("length"), py::arg("writable") = false, py::kw_only(),
          py::arg("device") = "/dev/mem",
          "Maps [address, address + length) of physical memory (any address: mapio aligns).\n"
          "`device` is the memory device (any file maps, which tests use).");

  // ---- PCI ----
  py::module_ pci = m.def_submodule("pci", "PCI devices as sysfs shows them (enumerated with libpci).");
  py::class_<mmio::PciDevice>(pci, "PciDevice", "One PCI function, as read from sysfs when it was listed.")
      .def_property_readonly("address", [](const mmio::PciDevice& d) { return d.address.to_string(); },
                             "\"0000:00:04.0\"")
      .def_readonly("vendor_id", &mmio::PciDevice::vendor_id)
      .def_readonly("device_id", &mmio::PciDevice::device_id)
      .def_readonly("class_code", &mmio::PciDevice::class_code)
      .def_readonly("revision", &mmio::PciDevice::revision)
      .def_readonly("vendor_name", &mmio::PciDevice::vendor_name)
      .def_readonly("device_name", &mmio::PciDevice::device_name)
      .def_readonly("class_name", &mmio::PciDevice::class_name)
      .def_readonly("driver", &mmio::PciDevice::driver, "The bound driver's name, \"\" when none.")
      .def_readonly("iommu_group", &mmio::PciDevice::iommu_group)
      .def_readonly("sysfs_path", &mmio::PciDevice::sysfs_path)
      .def_property_readonly(
          "bars",
          [](const mmio::PciDevice& d) {
            py::list out;
            for (const auto& bar : d.bars) out.append(bar_dict(bar));
            return out;
          },
          "The present BARs (and ROM, index 6) as dicts: index, address, size, flags, memory, io, "
          "prefetchable, is_64bit, description.")
      .def(
          "map_bar",
          [](const mmio::PciDevice& d, unsigned index, bool writable, bool write_combining) {
            mmio::BarMapOptions options;
            options.write_combining = write_combining;
            options.protection = protection_for(writable);
            auto bar = d.map_bar(index, options);
            return Window(std::move(bar.mapping), d.bar(index).address, bar.note);
          },
          py::arg("index"), py::arg("writable") = true, py::arg("write_combining") = false,
          "Maps BAR `index` whole through sysfs resource<index> and returns its Window.")
      .def("__repr__", [](const mmio::PciDevice& d) {
        return "<mapio.pci.PciDevice " + d.address.to_string() + " " + std::to_string(d.vendor_id) + ":" +
               std::to_string(d.device_id) + ">";
      });
  pci.def(
      "devices", [](const std::filesystem::path& sysfs_root) { return mmio::PciBus(sysfs_root).devices(); },
      py::arg("sysfs_root") = "/sys", "Every PCI function, sorted by address.");
  pci.def(
      "device",
      [](const std::string& address, const std::filesystem::path& sysfs_root) {
        return mmio::PciBus(sysfs_root).device(mmio::PciAddress::parse(address));
      },
      py::arg("address"), py::arg("sysfs_root") = "/sys",
      "One function by address (\"00:04.0\" or \"0000:00:04.0\"); ENODEV when absent.");

  // ---- UIO ----
  py::class_<PyUioDevice>(
      m, "UioDevice",
      "An open /dev/uioN: its maps as Windows, and its interrupt.\n\n"
      "    uio = mapio.UioDevice.open(0)\n"
      "    regs = uio.map(0)\n"
      "    count = uio.wait(timeout=1.0)   # TimeoutError after a second; the GIL is free meanwhile\n"
      "    uio.enable()\n")
      .def_static(
          "open",
          [](unsigned number, const std::filesystem::path& sysfs_root, const std::filesystem::path& dev_root) {
            return PyUioDevice(mmio::UioDevice::open(number, mmio::UioPaths{sysfs_root, dev_root}));
          },
          py::arg("number"), py::kw_only(), py::arg("sysfs_root") = "/sys", py::arg("dev_root") = "/dev")
      .def_property_readonly("number", [](const PyUioDevice& u) { return u.device.info().number; })
      .def_property_readonly("name", [](const PyUioDevice& u) { return u.device.info().name; })
      .def_property_readonly(
          "maps",
          [](const PyUioDevice& u) {
            py::list out;
            for (const auto& map : u.device.info().maps) {
              py::dict d;
              d["index"] = map.index;
              d["name"] = map.name;
              d["address"] = map.address;
              d["size"] = map.size;
              d["offset"] = map.offset;
              out.append(d);
            }
            return out;
          },
          "The maps sysfs describes: dicts of index, name, address, size, offset.")
      .def(
          "map",
          [](const PyUioDevice& u, unsigned index, bool writable) {
            std::uint64_t address = 0;
            for (const auto& map : u.device.info().maps)
              if (map.index == index) address = map.address;
            return Window(u.device.map(index, protection_for(writable)), address, {});
          },
          py::arg("index"), py::arg("writable") = true, "Maps map `index` whole and returns its Window.")
      .def(
          "wait",
          [](const PyUioDevice& u, std::optional<double> timeout) {
            py::gil_scoped_release unlocked;
            if (!timeout) return u.device.wait();
            return u.device.wait(std::chrono::milliseconds(static_cast<std::int64_t>(*timeout * 1000)));
          },
          py::arg("timeout") = py::none(),
          "Blocks (without the GIL) until the next interrupt and returns the kernel's interrupt count;\n"
          "with a timeout in seconds, raises TimeoutError (a mapio.Error) when none came.")
      .def(
          "enable", [](const PyUioDevice& u) { u.device.enable_interrupts(); },
          "Re-enables the interrupt (irqcontrol, or the PCI interrupt-disable bit for uio_pci_generic).")
      .def("fileno", [](const PyUioDevice& u) { return u.device.fd(); });
}

}  // namespace mapio::python
