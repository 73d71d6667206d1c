// The extension module mapio._mapio; the package mapio (python/mapio/__init__.py) re-exports it.
#include "common.hpp"

PYBIND11_MODULE(_mapio, m) {
  m.doc() = "mapio's C++ library bound for Python (use the package `mapio`).";
  mapio::python::register_error_translation();
  mapio::python::bind_files(m);
  mapio::python::bind_scanning(m);
  mapio::python::bind_buses(m);
  mapio::python::bind_devices(m);
  mapio::python::bind_channels(m);
  mapio::python::bind_rdma(m);
}
