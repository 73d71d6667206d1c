// MappedFile, SharedMemory and anonymous memory for Python: mapio's own objects, lent to Python
// through the buffer protocol, with the guarded ways (read_safely, read_into, count) beside it.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "common.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::python {

namespace {

// Copies of at least this many bytes run without the GIL (the memory is on loan meanwhile).
constexpr std::size_t release_gil_from = std::size_t{64} << 10;

std::size_t length_or_rest(const Mapping& mapping, std::size_t offset, std::optional<std::size_t> length) {
  if (length) return *length;
  return offset <= mapping.size() ? mapping.size() - offset : 0;  // past the end: mapio refuses it
}

Access parse_mode(const std::string& mode) {
  if (mode == "r") return Access::read_only;
  if (mode == "rw") return Access::read_write;
  if (mode == "cow") return Access::copy_on_write;
  throw py::value_error("mode must be \"r\", \"rw\" or \"cow\", not \"" + mode + "\"");
}

const char* mode_name(Access access) {
  switch (access) {
    case Access::read_write: return "rw";
    case Access::copy_on_write: return "cow";
    default: return "r";
  }
}

Seal to_seal(py::handle value) {
  const auto bits = unsigned_value(value, 32, "seal");
  if (bits & ~31u) throw py::value_error("seal: unknown seal bits " + std::to_string(bits));
  return static_cast<Seal>(bits);
}

/// read_safely into `into`, for read_safely() and read_into(): a large copy runs with the GIL
/// released (the mapping lent for the time, so close() cannot pull it away).
template <class H>
void read_guarded(H& h, std::size_t offset, std::span<std::byte> into) {
  if (into.size() >= release_gil_from) {
    Loan loan(h);
    py::gil_scoped_release unlocked;
    h.mapping.read_safely(offset, into);
  } else {
    h.mapping.read_safely(offset, into);
  }
}

/// The methods every mapping shares: length, views, guarded reads, flush, advice, close.
template <class H>
void bind_mapping_common(py::class_<H>& cls, const char* what) {
  install_buffer<H>(cls);
  cls.def("__len__", [what](const H& h) { h.check_open(what); return h.mapping.size(); })
      .def_property_readonly(
          "size", [what](const H& h) { h.check_open(what); return h.mapping.size(); },
          "Bytes in the mapping (len() says the same).")
      .def_property_readonly("closed", [](const H& h) { return h.closed; }, "True once close() has run.")
      .def_property_readonly(
          "writable", [what](const H& h) { h.check_open(what); return h.mapping.writable(); },
          "Whether views of the mapping may be written.")
      .def_property_readonly(
          "description", [](const H& h) { return h.mapping.description(); },
          "How errors name the mapped object (a path, a memfd name).")
      .def(
          "read_safely",
          [what](H& h, std::size_t offset, std::size_t size) {
            h.check_open(what);
            PyObject* raw = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
            if (raw == nullptr) throw py::error_already_set();
            auto out = py::reinterpret_steal<py::bytes>(raw);
            std::span<std::byte> into(reinterpret_cast<std::byte*>(PyBytes_AS_STRING(raw)), size);
            read_guarded(h, offset, into);
            return out;
          },
          py::arg("offset"), py::arg("size"),
          "Copies `size` bytes from `offset` into a new bytes object.\n\n"
          "Guarded: if the pages are gone (another process truncated the file) this raises\n"
          "mapio.Error (EFAULT) naming the lost offset, where touching the same bytes through a\n"
          "memoryview or numpy array would kill the process with SIGBUS. A range past the end of\n"
          "the mapping raises mapio.Error that is also a ValueError (ERANGE).")
      .def(
          "read_into",
          [what](H& h, py::buffer target, std::size_t offset) {
            h.check_open(what);
            Py_buffer view;
            if (PyObject_GetBuffer(target.ptr(), &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
              throw py::error_already_set();
            const auto size = static_cast<std::size_t>(view.len);
            std::span<std::byte> into(static_cast<std::byte*>(view.buf), size);
            try {
              read_guarded(h, offset, into);
            } catch (...) {
              PyBuffer_Release(&view);
              throw;
            }
            PyBuffer_Release(&view);
            return size;
          },
          py::arg("buffer"), py::arg("offset") = 0,
          "Fills a writable buffer (bytearray, numpy array, memoryview) with the bytes from\n"
          "`offset`, guarded as read_safely is; returns the number of bytes copied.")
      .def(
          "count",
          [what](H& h, py::handle byte, std::size_t offset, std::optional<std::size_t> length) {
            h.check_open(what);
            const auto value = static_cast<std::byte>(unsigned_value(byte, 8, "count"));
            const std::size_t n = length_or_rest(h.mapping, offset, length);
            std::uint64_t total = 0;
            Loan loan(h);
            py::gil_scoped_release unlocked;
            h.mapping.scan_safely([&](std::span<const std::byte> chunk) { total += count_byte(chunk, value); },
                                  offset, n);
            return total;
          },
          py::arg("byte"), py::arg("offset") = 0, py::arg("length") = py::none(),
          "How often the byte value `byte` (0-255) occurs in [offset, offset + length), counted in\n"
          "C++ with the GIL released and guarded against truncation like read_safely.")
      .def(
          "flush",
          [what](H& h, std::size_t offset, std::optional<std::size_t> length, bool wait) {
            h.check_open(what);
            const auto mode = wait ? FlushMode::sync : FlushMode::async;
            if (offset == 0 && !length) {
              h.mapping.flush(mode);
            } else {
              h.mapping.flush(offset, length_or_rest(h.mapping, offset, length), mode);
            }
          },
          py::arg("offset") = 0, py::arg("length") = py::none(), py::arg("wait") = true,
          "Writes changed pages back to the file (msync MS_SYNC; wait=False schedules it, MS_ASYNC).")
      .def(
          "advise",
          [what](H& h, Advice advice, std::size_t offset, std::optional<std::size_t> length) {
            h.check_open(what);
            h.mapping.advise(advice, offset, length ? *length : Mapping::whole);
          },
          py::arg("advice"), py::arg("offset") = 0, py::arg("length") = py::none(),
          "madvise(2) over [offset, offset + length), by default all: a mapio.Advice.")
      .def(
          "populate",
          [what](H& h) {
            h.check_open(what);
            Loan loan(h);
            py::gil_scoped_release unlocked;
            h.mapping.populate(PopulateFor::read);
          },
          "Faults every page in now (MADV_POPULATE_READ).")
      .def(
          "residency",
          [what](const H& h) {
            h.check_open(what);
            return h.mapping.residency();
          },
          "Which pages are in memory now (mincore): one bool per page.")
      .def(
          "close",
          [what](H& h) {
            if (h.closed) return;
            h.check_not_lent(what, "close");
            h.mapping.unmap();
            h.mapping = {};
            h.closed = true;
          },
          "Unmaps now (and closes the descriptor). Raises BufferError while a memoryview or numpy\n"
          "array of the mapping is alive, so that no view is left pointing at unmapped memory.\n"
          "Closing twice is allowed.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py::object self, py::args) { self.attr("close")(); });
}

}  // namespace

void bind_files(py::module_& m) {
  py::enum_<Advice>(m, "Advice", "madvise(2) hints for advise().")
      .value("normal", Advice::normal, "MADV_NORMAL")
      .value("sequential", Advice::sequential, "MADV_SEQUENTIAL: read ahead aggressively")
      .value("random", Advice::random, "MADV_RANDOM: no readahead")
      .value("will_need", Advice::will_need, "MADV_WILLNEED: start reading in now")
      .value("dont_need", Advice::dont_need, "MADV_DONTNEED: drop the pages")
      .value("huge_page", Advice::huge_page, "MADV_HUGEPAGE")
      .value("no_huge_page", Advice::no_huge_page, "MADV_NOHUGEPAGE");

  py::dict seal_values;
  seal_values["seal"] = static_cast<unsigned>(Seal::seal);
  seal_values["shrink"] = static_cast<unsigned>(Seal::shrink);
  seal_values["grow"] = static_cast<unsigned>(Seal::grow);
  seal_values["write"] = static_cast<unsigned>(Seal::write);
  seal_values["future_write"] = static_cast<unsigned>(Seal::future_write);
  m.attr("_SEAL_VALUES") = seal_values;

  // ---- anonymous memory ----
  using HeldMapping = Held<Mapping>;
  py::class_<HeldMapping> memory(m, "Memory",
                                 "Anonymous memory mapped by mapio (MAP_ANONYMOUS), zero-filled.\n\n"
                                 "A shared one (the default) is inherited by children across os.fork(),\n"
                                 "and writes on either side are seen by the other:\n\n"
                                 "    counter = mapio.Memory.anonymous(4096)\n"
                                 "    view = memoryview(counter).cast(\"Q\")\n"
                                 "    if os.fork() == 0: view[0] = 42; os._exit(0)\n");
  memory.def_static(
      "anonymous",
      [](std::size_t size, bool shared) {
        return HeldMapping(Mapping::anonymous(size, shared ? Sharing::shared : Sharing::copy_on_write));
      },
      py::arg("size"), py::arg("shared") = true,
      "Maps `size` bytes of zeroed memory; shared=True (MAP_SHARED) survives os.fork() as one "
      "memory, shared=False is copied on write in a child.");
  bind_mapping_common(memory, "Memory");
  memory.def("__repr__", [](const HeldMapping& h) {
    return h.closed ? std::string("<mapio.Memory closed>")
                    : "<mapio.Memory " + std::to_string(h.mapping.size()) + " bytes>";
  });

  // ---- files ----
  using HeldFile = Held<MappedFile>;
  py::class_<HeldFile> file(
      m, "MappedFile",
      "A file, or a byte range of it, mapped into memory by mapio.\n\n"
      "    with mapio.MappedFile.open(\"data.bin\", \"rw\") as f:\n"
      "        a = numpy.frombuffer(f, dtype=numpy.uint32)   # no copy: the file's bytes\n"
      "        a[0] = 7\n"
      "        del a                                          # close() refuses while views live\n"
      "        f.flush()\n\n"
      "memoryview(f) and numpy.frombuffer(f) are the raw mapping, exactly as with Python's mmap:\n"
      "if another process truncates the file, touching a lost page through them kills the\n"
      "process with SIGBUS (no interpreter can guard a raw view). read_safely(), read_into(),\n"
      "count() and the mapio scanners are guarded: a lost page is a mapio.Error instead.");
  file.def_static(
          "open",
          [](const std::filesystem::path& path, const std::string& mode, std::uint64_t offset,
             std::optional<std::uint64_t> length, bool populate) {
            FileOptions options;
            options.access(parse_mode(mode)).offset(offset).populate(populate);
            if (length) options.length(*length);
            py::gil_scoped_release unlocked;  // populate may read the whole file in
            return HeldFile(MappedFile::open(path, options));
          },
          py::arg("path"), py::arg("mode") = "r", py::arg("offset") = 0, py::arg("length") = py::none(),
          py::arg("populate") = false,
          "Maps `path` from byte `offset` (any offset) for `length` bytes (default: to the end).\n\n"
          "mode \"r\": read-only (views are read-only); \"rw\": writes reach the file (MAP_SHARED);\n"
          "\"cow\": writes stay in this process (MAP_PRIVATE). An empty file maps to 0 bytes.\n"
          "A missing file raises FileNotFoundError (also a mapio.Error), a range past the end\n"
          "mapio.Error (ERANGE, also a ValueError), a directory IsADirectoryError.")
      .def_static(
          "create",
          [](const std::filesystem::path& path, std::uint64_t size, unsigned permissions) {
            return HeldFile(MappedFile::create(path, size, permissions));
          },
          py::arg("path"), py::arg("size"), py::arg("permissions") = 0644,
          "Creates (or truncates) `path` with `size` zero bytes and maps it read-write.");
  bind_mapping_common(file, "MappedFile");
  file.def(
          "resize",
          [](HeldFile& h, std::uint64_t size) {
            h.check_open("MappedFile");
            h.check_not_lent("MappedFile", "resize");
            h.mapping.resize(size);
          },
          py::arg("size"),
          "Sets the file's size and remaps to reach its new end (ftruncate, then mremap); contents\n"
          "up to the smaller size are kept. Read-write mappings only. Raises BufferError while a\n"
          "view is alive, since the mapping may move.")
      .def(
          "refresh",
          [](HeldFile& h, std::optional<std::uint64_t> length) {
            h.check_open("MappedFile");
            h.check_not_lent("MappedFile", "refresh");
            if (length) {
              h.mapping.refresh(*length);
            } else {
              h.mapping.refresh();
            }
          },
          py::arg("length") = py::none(),
          "Maps the file as it is now: to its current end (a file another process appends to, or\n"
          "cut), or `length` bytes from the offset. Never changes the file; works in every mode.\n"
          "A file cut below the offset maps to 0 bytes and maps again once it grows. Raises\n"
          "BufferError while a view is alive, since the mapping may move.\n\n"
          "    log = mapio.MappedFile.open('app.log')\n"
          "    seen = len(log)\n"
          "    log.refresh()                                  # after the writer appended\n"
          "    new = log.read_safely(seen, len(log) - seen)")
      .def(
          "sync",
          [](const HeldFile& h) {
            h.check_open("MappedFile");
            py::gil_scoped_release unlocked;
            h.mapping.sync();
          },
          "The durable write: msync, then fdatasync of the file (and fsync of its directory after a\n"
          "create). When it returns, what was written survives a power loss; flush() only shares.")
      .def(
          "fileno", [](const HeldFile& h) { h.check_open("MappedFile"); return h.mapping.descriptor(); },
          "The descriptor mapio holds open for the file (owned by the MappedFile).")
      .def(
          "file_size", [](const HeldFile& h) { h.check_open("MappedFile"); return h.mapping.file_size(); },
          "The file's size now (fstat): another process may have changed it.")
      .def_property_readonly(
          "offset", [](const HeldFile& h) { return h.mapping.offset(); }, "The file offset of byte 0 of the mapping.")
      .def_property_readonly(
          "mode", [](const HeldFile& h) { return mode_name(h.mapping.access()); }, "\"r\", \"rw\" or \"cow\".")
      .def("__repr__", [](const HeldFile& h) {
        return h.closed ? std::string("<mapio.MappedFile closed>")
                        : "<mapio.MappedFile " + h.mapping.description() + " mode=" + mode_name(h.mapping.access()) +
                              " " + std::to_string(h.mapping.size()) + " bytes>";
      });

  m.def(
      "evict_from_page_cache",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release unlocked;
        evict_from_page_cache(path);
      },
      py::arg("path"), "Asks the kernel to drop the file's pages from the page cache (after writing back).");

  // ---- shared memory ----
  using HeldShared = Held<SharedMemory>;
  py::class_<HeldShared> shared(
      m, "SharedMemory",
      "A shared memory object (memfd or POSIX shm) mapped whole, MAP_SHARED, with seals.\n\n"
      "    blob = mapio.SharedMemory.create_memfd(\"blob\", 4096)\n"
      "    blob.seal(mapio.Seal.shrink | mapio.Seal.grow)   # nobody can truncate it any more\n"
      "    socket.send_fds(sock, [b\"x\"], [blob.fileno()])   # another process: from_fd(fd)\n");
  shared
      .def_static(
          "create_memfd", [](const std::string& name, std::size_t size) { return HeldShared(SharedMemory::create_memfd(name, size)); },
          py::arg("name"), py::arg("size"),
          "memfd_create(2) (close-on-exec, sealable), sized to `size`, mapped read-write.")
      .def_static(
          "create",
          [](const std::string& name, std::size_t size, unsigned permissions) {
            return HeldShared(SharedMemory::create(name, size, permissions));
          },
          py::arg("name"), py::arg("size"), py::arg("permissions") = 0600,
          "shm_open(3) a new POSIX object \"/name\" (FileExistsError if it exists).")
      .def_static(
          "open",
          [](const std::string& name, bool read_only) {
            return HeldShared(SharedMemory::open(name, read_only ? Access::read_only : Access::read_write));
          },
          py::arg("name"), py::kw_only(), py::arg("read_only") = false,
          "shm_open(3) an existing POSIX object; read_only=True opens and maps it for reading only.")
      .def_static(
          "from_fd",
          [](int fd, bool read_only) {
            return HeldShared(SharedMemory::from_descriptor(fd, read_only ? Access::read_only : Access::read_write));
          },
          py::arg("fd"), py::arg("read_only") = false,
          "Maps a shared memory descriptor received from elsewhere (a memfd over a UNIX socket).\n"
          "mapio keeps its own duplicate: the caller may close `fd`.")
      .def_static("unlink", &SharedMemory::unlink, py::arg("name"),
                  "shm_unlink(3); mappings stay valid until closed.")
      .def(
          "seal", [](HeldShared& h, py::handle seals) { h.check_open("SharedMemory"); h.mapping.seal(to_seal(seals)); },
          py::arg("seals"), "Adds seals (F_ADD_SEALS): mapio.Seal values combined with |.")
      .def_property_readonly(
          "seals",
          [](const HeldShared& h) {
            h.check_open("SharedMemory");
            return py::module_::import("mapio").attr("Seal")(static_cast<unsigned>(h.mapping.seals()));
          },
          "The seals in force (F_GET_SEALS), a mapio.Seal.")
      .def(
          "resize",
          [](HeldShared& h, std::size_t size) {
            h.check_open("SharedMemory");
            h.check_not_lent("SharedMemory", "resize");
            h.mapping.resize(size);
          },
          py::arg("size"), "ftruncate + mremap; refused (PermissionError) by shrink/grow seals.")
      .def(
          "fileno", [](const HeldShared& h) { h.check_open("SharedMemory"); return h.mapping.descriptor(); },
          "The object's descriptor (owned by the SharedMemory): pass it to socket.send_fds.");
  bind_mapping_common(shared, "SharedMemory");
  shared.def("__repr__", [](const HeldShared& h) {
    return h.closed ? std::string("<mapio.SharedMemory closed>")
                    : "<mapio.SharedMemory " + h.mapping.description() + " " + std::to_string(h.mapping.size()) +
                          " bytes>";
  });
}

}  // namespace mapio::python
