// What every part of the Python binding shares: the exception translation, the objects that lend
// out their memory (buffer protocol with an exports counter) and the checks Python arguments need.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "mapio/core/mapping.hpp"

namespace mapio::python {

namespace py = pybind11;

/// Installs the translator that turns every mapio::Error into mapio.Error (the OSError subclass
/// for its errno, built in mapio/_errors.py).
void register_error_translation();

/// Raises the mapio.Error for a mapio::Error now (for code that catches one itself).
[[noreturn]] void raise_error(const std::exception& error);
/// Sets the Python error for a C++ exception without throwing (for functions called by CPython
/// directly, which report an error by returning NULL).
void set_python_error(const std::exception& error) noexcept;

/// An object that lends its memory to Python (memoryview, numpy) or to a C++ call running without
/// the GIL. `exports` counts both: while it is above zero the memory must stay where it is, so
/// close() and resize() are refused with BufferError, as Python's mmap refuses them.
struct Lender {
  Py_ssize_t exports = 0;
  bool closed = false;

  /// ValueError when the object was closed: `what` names the type ("MappedFile").
  void check_open(const char* what) const;
  /// BufferError when memory is on loan: `operation` is what the caller wanted ("close").
  void check_not_lent(const char* what, const char* operation) const;
};

/// Holds a lender's memory on loan for the lifetime of a C++ call made without the GIL.
class Loan {
 public:
  explicit Loan(Lender& lender) noexcept : lender_(lender) { ++lender_.exports; }
  ~Loan() { --lender_.exports; }
  Loan(const Loan&) = delete;
  Loan& operator=(const Loan&) = delete;

 private:
  Lender& lender_;
};

/// Marks an object that is for one thread at a time (a channel's ends, an RDMA connection or
/// server) in use for the length of a call made without the GIL: a second thread calling into it
/// meanwhile gets a ValueError ("Channel is in use by another thread") instead of a data race.
class InUse {
 public:
  InUse(bool& busy, const char* what) : busy_(busy) {
    if (busy) throw py::value_error(std::string(what) + " is in use by another thread");
    busy = true;
  }
  ~InUse() { busy_ = false; }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;

 private:
  bool& busy_;
};

/// A mapping that Python code holds (MappedFile, SharedMemory, anonymous memory).
template <class M>
struct Held : Lender {
  explicit Held(M value) : mapping(std::move(value)) {}
  M mapping;
};

/// Makes `cls` (a pybind11 class over Held<M>) support the buffer protocol: read-only unless the
/// mapping is writable, and counted in `exports`.
template <class H>
void install_buffer(py::handle cls);

/// A Python int as an unsigned value of `bits` bits, ValueError when it does not fit.
std::uint64_t unsigned_value(py::handle value, unsigned bits, const char* operation);

// ---- implementation ---------------------------------------------------------------------------

namespace detail {
inline std::byte empty_buffer[1] = {};

template <class H>
int get_buffer(PyObject* self, Py_buffer* view, int flags) {
  H* held = nullptr;
  try {
    held = py::cast<H*>(py::handle(self));
  } catch (const std::exception&) {
    PyErr_SetString(PyExc_TypeError, "this object does not export a buffer");
    view->obj = nullptr;
    return -1;
  }
  if (held == nullptr || held->closed) {
    PyErr_SetString(PyExc_ValueError, "the mapping is closed");
    view->obj = nullptr;
    return -1;
  }
  const Mapping& mapping = held->mapping;
  void* data = mapping.empty() ? static_cast<void*>(empty_buffer) : const_cast<std::byte*>(mapping.data());
  if (PyBuffer_FillInfo(view, self, data, static_cast<Py_ssize_t>(mapping.size()), mapping.writable() ? 0 : 1,
                        flags) < 0)
    return -1;
  ++held->exports;
  return 0;
}

template <class H>
void release_buffer(PyObject* self, Py_buffer*) {
  // The view holds a reference to `self`, so the object is alive; the cast cannot fail.
  try {
    if (H* held = py::cast<H*>(py::handle(self))) --held->exports;
  } catch (const std::exception&) {
  }
}
}  // namespace detail

template <class H>
void install_buffer(py::handle cls) {
  auto* heap = reinterpret_cast<PyHeapTypeObject*>(cls.ptr());
  heap->as_buffer.bf_getbuffer = &detail::get_buffer<H>;
  heap->as_buffer.bf_releasebuffer = &detail::release_buffer<H>;
  reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_as_buffer = &heap->as_buffer;
}

// Binders, one per file.
void bind_files(py::module_& m);
void bind_scanning(py::module_& m);
void bind_buses(py::module_& m);
void bind_devices(py::module_& m);
void bind_channels(py::module_& m);
/// mapio.rdma, when the library was built with rdma-core (MAPIO_PYTHON_RDMA); else nothing.
void bind_rdma(py::module_& m);

}  // namespace mapio::python
