// Window.read8..read64 and write8..write64 as plain CPython methods (METH_FASTCALL). The same
// VolatileBus call as every other accessor, reached without pybind11's argument dispatch, which
// costs several times the access itself: a register read from Python then costs about what
// struct.unpack_from on an mmap costs, and keeps its width guarantee (docs/benchmarks.md).
#include <climits>

#include "buses.hpp"

namespace mapio::python {

namespace {

/// The Window behind `self`; a method descriptor has checked that `self` is a Window.
Window* window_of(PyObject* self) {
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  void* value = instance->simple_layout ? instance->simple_value_holder[0]
                                        : instance->get_value_and_holder().value_ptr();
  return static_cast<Window*>(value);
}

/// The open window's bus, or nullptr with ValueError set.
mmio::VolatileBus* bus_of(PyObject* self) {
  Window* window = window_of(self);
  if (window == nullptr || window->closed || !window->bus) {
    PyErr_SetString(PyExc_ValueError, "window is closed");
    return nullptr;
  }
  return window->bus.get();
}

/// An unsigned argument, or false with ValueError/TypeError set (never OverflowError: a negative
/// or too wide offset or value is a bad argument).
bool unsigned_argument(PyObject* object, unsigned bits, const char* operation, const char* what,
                       unsigned long long& out) {
  out = PyLong_AsUnsignedLongLong(object);
  if (out == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "%s: the %s %R does not fit in %u unsigned bits", operation, what, object, bits);
    }
    return false;
  }
  if (bits < 64 && (out >> bits) != 0) {
    PyErr_Format(PyExc_ValueError, "%s: the %s %R does not fit in %u unsigned bits", operation, what, object, bits);
    return false;
  }
  return true;
}

template <mmio::Word T>
constexpr const char* read_name = sizeof(T) == 1 ? "read8" : sizeof(T) == 2 ? "read16" : sizeof(T) == 4 ? "read32" : "read64";
template <mmio::Word T>
constexpr const char* write_name = sizeof(T) == 1 ? "write8" : sizeof(T) == 2 ? "write16" : sizeof(T) == 4 ? "write32" : "write64";

template <mmio::Word T>
PyObject* fast_read(PyObject* self, PyObject* const* args, Py_ssize_t count) {
  if (count != 1) {
    PyErr_Format(PyExc_TypeError, "%s() takes one argument (offset), %zd given", read_name<T>, count);
    return nullptr;
  }
  unsigned long long offset = 0;
  if (!unsigned_argument(args[0], sizeof(std::size_t) * CHAR_BIT, read_name<T>, "offset", offset)) return nullptr;
  mmio::VolatileBus* bus = bus_of(self);
  if (bus == nullptr) return nullptr;
  try {
    return PyLong_FromUnsignedLongLong(bus->template read<T>(static_cast<std::size_t>(offset)));
  } catch (const std::exception& error) {
    set_python_error(error);
    return nullptr;
  }
}

template <mmio::Word T>
PyObject* fast_write(PyObject* self, PyObject* const* args, Py_ssize_t count) {
  if (count != 2) {
    PyErr_Format(PyExc_TypeError, "%s() takes two arguments (offset, value), %zd given", write_name<T>, count);
    return nullptr;
  }
  unsigned long long offset = 0;
  unsigned long long value = 0;
  if (!unsigned_argument(args[0], sizeof(std::size_t) * CHAR_BIT, write_name<T>, "offset", offset) ||
      !unsigned_argument(args[1], sizeof(T) * CHAR_BIT, write_name<T>, "value", value))
    return nullptr;
  mmio::VolatileBus* bus = bus_of(self);
  if (bus == nullptr) return nullptr;
  try {
    bus->template write<T>(static_cast<std::size_t>(offset), static_cast<T>(value));
    Py_RETURN_NONE;
  } catch (const std::exception& error) {
    set_python_error(error);
    return nullptr;
  }
}

#define MAPIO_READ_DOC(bits)                                                                              \
  "read" #bits "(offset, /)\n--\n\nReads " #bits " bits at `offset`: exactly one " #bits                  \
  "-bit access at the device, ordered like the kernel's\nreadX. An offset outside the window or not a "   \
  "multiple of the width raises mapio.Error that is\nalso a ValueError; nothing is accessed."
#define MAPIO_WRITE_DOC(bits)                                                                             \
  "write" #bits "(offset, value, /)\n--\n\nWrites `value` at `offset` as exactly one " #bits              \
  "-bit access (ordered: earlier memory writes are\nvisible first). A value that does not fit in " #bits \
  " bits, or a bad offset, is a ValueError."

PyMethodDef methods[] = {
    {"read8", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_read<std::uint8_t>)), METH_FASTCALL, MAPIO_READ_DOC(8)},
    {"read16", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_read<std::uint16_t>)), METH_FASTCALL, MAPIO_READ_DOC(16)},
    {"read32", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_read<std::uint32_t>)), METH_FASTCALL, MAPIO_READ_DOC(32)},
    {"read64", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_read<std::uint64_t>)), METH_FASTCALL, MAPIO_READ_DOC(64)},
    {"write8", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_write<std::uint8_t>)), METH_FASTCALL, MAPIO_WRITE_DOC(8)},
    {"write16", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_write<std::uint16_t>)), METH_FASTCALL, MAPIO_WRITE_DOC(16)},
    {"write32", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_write<std::uint32_t>)), METH_FASTCALL, MAPIO_WRITE_DOC(32)},
    {"write64", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_write<std::uint64_t>)), METH_FASTCALL, MAPIO_WRITE_DOC(64)},
};

}  // namespace

void install_fast_window_access(py::handle window_class) {
  auto* type = reinterpret_cast<PyTypeObject*>(window_class.ptr());
  for (auto& method : methods) {
    auto descriptor = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &method));
    if (!descriptor) throw py::error_already_set();
    window_class.attr(method.ml_name) = descriptor;
  }
}

}  // namespace mapio::python
