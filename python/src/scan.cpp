// mapio's scanners for Python: count lines, a byte, words, matching lines of a file, in C++ on
// mapio's automatic read-or-map policy, with the GIL released while they run.
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>

#include "common.hpp"
#include "mapio/scan/input.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::python {

namespace {

InputOptions options_for(const std::string& method, unsigned threads) {
  InputOptions options;
  options.method = parse_input_method(method);
  options.threads = threads;
  return options;
}

TextEncoding parse_encoding(const std::string& name) {
  if (name == "c" || name == "C" || name == "POSIX") return TextEncoding::c;
  if (name == "utf8" || name == "utf-8" || name == "UTF-8") return TextEncoding::utf8;
  throw py::value_error("encoding must be \"c\" or \"utf-8\", not \"" + name + "\"");
}

/// Runs `counter` over `path` without the GIL and returns its summary.
template <class Counter>
auto scan_file(const std::filesystem::path& path, const Counter& counter, const std::string& method,
               unsigned threads) {
  const InputOptions options = options_for(method, threads);
  py::gil_scoped_release unlocked;
  Scanner scanner(options);
  Input input = Input::open(path);
  return scanner.scan(input, counter);
}

struct WcCounts {
  std::uint64_t lines = 0;
  std::uint64_t words = 0;
  std::uint64_t bytes = 0;
};

constexpr const char* method_doc =
    "method: \"auto\" (mapio's policy: read() for small files, the mapping or a parallel copy for\n"
    "large ones, whichever is faster for how the file is cached), \"map\" or \"read\"; threads: 0 for one\n"
    "per CPU. A file truncated during the scan raises mapio.Error, never SIGBUS or a short count.";

}  // namespace

void bind_scanning(py::module_& m) {
  m.def(
      "count_lines",
      [](const std::filesystem::path& path, const std::string& method, unsigned threads) {
        return scan_file(path, LineCounter{}, method, threads).count;
      },
      py::arg("path"), py::kw_only(), py::arg("method") = "auto", py::arg("threads") = 0,
      (std::string("The number of newline bytes in the file: what `wc -l` prints.\n\n") + method_doc).c_str());

  m.def(
      "count_byte",
      [](const std::filesystem::path& path, py::handle byte, const std::string& method, unsigned threads) {
        const auto value = static_cast<std::byte>(unsigned_value(byte, 8, "count_byte"));
        return scan_file(path, ByteCounter(value), method, threads).count;
      },
      py::arg("path"), py::arg("byte"), py::kw_only(), py::arg("method") = "auto", py::arg("threads") = 0,
      (std::string("How often the byte value `byte` (0-255) occurs in the file.\n\n") + method_doc).c_str());

  m.def(
      "count_words",
      [](const std::filesystem::path& path, const std::string& encoding, const std::string& method, unsigned threads) {
        return scan_file(path, WordCounter(parse_encoding(encoding)), method, threads).words;
      },
      py::arg("path"), py::kw_only(), py::arg("encoding") = "c", py::arg("method") = "auto", py::arg("threads") = 0,
      (std::string("Words as GNU `wc -w` counts them in the C locale (encoding=\"c\") or a UTF-8 one\n"
                   "(encoding=\"utf-8\").\n\n") +
       method_doc)
          .c_str());

  py::class_<WcCounts>(m, "WcCounts", "Lines, words and bytes of a file, as `wc` prints them.")
      .def_readonly("lines", &WcCounts::lines)
      .def_readonly("words", &WcCounts::words)
      .def_readonly("bytes", &WcCounts::bytes)
      .def("__iter__", [](const WcCounts& c) { return py::iter(py::make_tuple(c.lines, c.words, c.bytes)); })
      .def("__eq__", [](const WcCounts& c, py::tuple other) {
        return py::make_tuple(c.lines, c.words, c.bytes).equal(other);
      })
      .def("__repr__", [](const WcCounts& c) {
        return "WcCounts(lines=" + std::to_string(c.lines) + ", words=" + std::to_string(c.words) +
               ", bytes=" + std::to_string(c.bytes) + ")";
      });

  m.def(
      "wc",
      [](const std::filesystem::path& path, const std::string& encoding, const std::string& method, unsigned threads) {
        const auto s = scan_file(path, TextCounter(true, true, parse_encoding(encoding)), method, threads);
        return WcCounts{s.lines, s.words.words, s.bytes};
      },
      py::arg("path"), py::kw_only(), py::arg("encoding") = "c", py::arg("method") = "auto", py::arg("threads") = 0,
      (std::string("Lines, words and bytes in one pass: `wc`'s three numbers as a WcCounts.\n\n") + method_doc)
          .c_str());

  m.def(
      "count_matching_lines",
      [](const std::filesystem::path& path, py::bytes patterns, const std::string& method, unsigned threads) {
        const std::string text = patterns;
        const LineMatcher matcher(as_bytes(text));
        return scan_file(path, matcher, method, threads).matched;
      },
      py::arg("path"), py::arg("patterns"), py::kw_only(), py::arg("method") = "auto", py::arg("threads") = 0,
      (std::string("Lines holding any of the fixed strings in `patterns` (bytes; one pattern per line):\n"
                   "what `grep -c -F` prints.\n\n") +
       method_doc)
          .c_str());

  m.def("scan_kernel_name", &scan_kernel_name, "Which counting kernels run: \"avx512\", \"avx2\" or \"portable\".");
}

}  // namespace mapio::python
