// mapio::Error -> mapio.Error. The exception classes live in Python (mapio/_errors.py), where one
// class per errno can inherit from both mapio.Error and the OSError subclass Python raises for that
// errno (FileNotFoundError, PermissionError, ...); this file only hands each error over.
#include <cstring>
#include <exception>

#include "common.hpp"
#include "mapio/core/error.hpp"

namespace mapio::python {

namespace {

void set_error(const Error& error) {
  try {
    const py::object make = py::module_::import("mapio._errors").attr("_from_mapio");
    const int value = error.errno_value();
    const py::object instance =
        make(value, std::strerror(value), error.what(), error.operation(), error.subject(), error.explanation());
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
  } catch (py::error_already_set& failure) {
    // The error classes could not be built (an interpreter shutting down): still an OSError.
    failure.restore();
    PyErr_Clear();
    PyErr_SetString(PyExc_OSError, error.what());
  }
}

}  // namespace

void register_error_translation() {
  py::register_exception_translator([](std::exception_ptr pending) {
    try {
      if (pending) std::rethrow_exception(pending);
    } catch (const Error& error) {
      set_error(error);
    }
  });
}

void set_python_error(const std::exception& error) noexcept {
  if (const auto* mapio_error = dynamic_cast<const Error*>(&error)) {
    set_error(*mapio_error);
  } else if (const auto* python_error = dynamic_cast<const py::error_already_set*>(&error)) {
    const_cast<py::error_already_set*>(python_error)->restore();
  } else if (const auto* builtin = dynamic_cast<const py::builtin_exception*>(&error)) {
    builtin->set_error();
  } else {
    PyErr_SetString(PyExc_RuntimeError, error.what());
  }
}

void raise_error(const std::exception& error) {
  set_python_error(error);
  throw py::error_already_set();
}

void Lender::check_open(const char* what) const {
  if (closed) throw py::value_error(std::string(what) + " is closed");
}

void Lender::check_not_lent(const char* what, const char* operation) const {
  if (exports > 0)
    throw py::buffer_error(std::string("cannot ") + operation + " the " + what + ": " + std::to_string(exports) +
                           " view(s) of its memory are still in use (release memoryviews and arrays first)");
}

std::uint64_t unsigned_value(py::handle value, unsigned bits, const char* operation) {
  if (!PyLong_Check(value.ptr()))
    throw py::type_error(std::string(operation) + ": the value must be an int, not " +
                         std::string(py::str(py::type::of(value).attr("__name__"))));
  const py::int_ number = py::reinterpret_borrow<py::int_>(value);
  const bool negative = number < py::int_(0);
  const bool too_big = bits < 64 ? number >= py::int_(std::uint64_t{1} << bits)
                                 : number > py::int_(~std::uint64_t{0});
  if (negative || too_big)
    throw py::value_error(std::string(operation) + ": " + std::string(py::str(py::module_::import("builtins").attr("hex")(number))) +
                          " does not fit in " + std::to_string(bits) + " unsigned bits");
  return number.cast<std::uint64_t>();
}

}  // namespace mapio::python
