// Mapping: an owned region of virtual memory (RAII, move-only, unmapped exactly once).
//
// Every map mapio makes — of a file, of anonymous or shared memory, of a device — is a Mapping.
// A Mapping may start at any byte of its object: mmap(2) wants page-aligned offsets, so mapio maps
// from the page below and `bytes()` hands back exactly the bytes that were asked for.
//
//     auto m = mapio::Mapping::anonymous(1 << 20);                  // 1 MiB, zeroed, private
//     auto words = m.writable_view<std::uint64_t>(0, 1024);         // typed, bounds- and alignment-checked
//     words[0] = 42;
//     m.advise(mapio::Advice::sequential);                          // madvise(MADV_SEQUENTIAL)
//     m.flush();                                                    // msync(MS_SYNC) (a no-op for anonymous memory)
//
// A Mapping of a file that someone truncates underneath it raises SIGBUS on the lost pages;
// `read_safely` and `scan_safely` turn that into a mapio::Error instead of a dead process.
//
// An empty Mapping (size 0, data() == nullptr) is valid: mapping an empty file or an empty range
// gives one, and every operation on it is a no-op.
//
// A shared mapping of an object opened read-only stays read-only: writable_bytes() and
// populate(write) are EACCES, and so is protect() to anything writable. What changes no bytes is
// allowed on it: flush() (nothing is dirty, so msync writes nothing), advise() (dont_need drops only
// this process's pages; the object keeps its bytes), lock(), residency(), read_safely().
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mapio {

/// What the pages may be used for: PROT_READ / PROT_WRITE / PROT_EXEC (mprotect(2)).
enum class Protection : unsigned {
  none = 0,
  read = 1,
  write = 2,
  read_write = 3,
  execute = 4,
  read_execute = 5,
};
constexpr Protection operator|(Protection a, Protection b) noexcept {
  return static_cast<Protection>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool allows(Protection have, Protection want) noexcept {
  return (static_cast<unsigned>(have) & static_cast<unsigned>(want)) == static_cast<unsigned>(want);
}

/// Whether writes reach the object and other mappings of it (MAP_SHARED) or stay private to this
/// mapping, each written page copied first (MAP_PRIVATE).
enum class Sharing { shared, copy_on_write };

/// madvise(2) hints.
enum class Advice {
  normal,        ///< MADV_NORMAL: default readahead
  sequential,    ///< MADV_SEQUENTIAL: read ahead aggressively, drop pages behind
  random,        ///< MADV_RANDOM: no readahead
  will_need,     ///< MADV_WILLNEED: start reading these pages in now
  dont_need,     ///< MADV_DONTNEED: drop these pages (a private mapping's changes are lost!)
  huge_page,     ///< MADV_HUGEPAGE: back with transparent huge pages where possible
  no_huge_page,  ///< MADV_NOHUGEPAGE
};

/// msync(2) mode: MS_SYNC waits until the pages are written, MS_ASYNC only schedules the writeback.
enum class FlushMode { sync, async };

/// What to prefault pages for: MADV_POPULATE_READ or MADV_POPULATE_WRITE (Linux 5.14+).
enum class PopulateFor { read, write };

/// Optional flags at map time.
struct MapFlags {
  bool populate = false;  ///< MAP_POPULATE: fault everything in before returning
  bool no_reserve = false;  ///< MAP_NORESERVE: no swap reserved (overcommit)
  /// The object was opened read-only, though the descriptor could write (a VFIO device's): protect()
  /// refuses write access to the shared mapping for good. Only with a protection without write.
  bool read_only_object = false;
};

class Mapping {
 public:
  static constexpr std::size_t whole = std::numeric_limits<std::size_t>::max();

  Mapping() noexcept = default;
  Mapping(Mapping&& other) noexcept { take(other); }
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { unmap(); }

  /// Maps `length` bytes of the object behind `fd` from byte `offset` (any offset; mapio aligns).
  /// No size checks: this is the primitive under files and devices. `description` names the object
  /// in errors ("/dev/mem", "/data/x.bin"). The descriptor may be closed afterwards.
  static Mapping map_descriptor(int fd, std::uint64_t offset, std::size_t length, Protection protection,
                                Sharing sharing, std::string description, MapFlags flags = {});

  /// Anonymous memory, zero-filled (MAP_ANONYMOUS). A shared one is inherited by children across
  /// fork() and writes on either side are seen by the other; a private one is copied on write.
  static Mapping anonymous(std::size_t length, Sharing sharing = Sharing::copy_on_write,
                           Protection protection = Protection::read_write, MapFlags flags = {});

  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  /// Throws mapio::Error (EACCES) unless the mapping is writable.
  std::span<std::byte> writable_bytes();
  std::byte* writable_data() { return writable_bytes().data(); }

  /// `count` objects of type T from byte `offset`; throws mapio::Error (ERANGE) when they do not fit
  /// and (EINVAL) when `data() + offset` is not aligned for T.
  template <class T>
  std::span<const T> view(std::size_t offset, std::size_t count) const {
    static_assert(std::is_trivially_copyable_v<T>, "a mapped view needs a trivially copyable type");
    check_view(offset, count, sizeof(T), alignof(T));
    return {reinterpret_cast<const T*>(data_ + offset), count};
  }
  template <class T>
  std::span<T> writable_view(std::size_t offset, std::size_t count) {
    static_assert(std::is_trivially_copyable_v<T>, "a mapped view needs a trivially copyable type");
    check_writable();
    check_view(offset, count, sizeof(T), alignof(T));
    return {reinterpret_cast<T*>(data_ + offset), count};
  }
  template <class T>
  const T& object(std::size_t offset) const { return view<T>(offset, 1)[0]; }
  template <class T>
  T& writable_object(std::size_t offset) { return writable_view<T>(offset, 1)[0]; }

  // The calls below change no byte of the mapping, so a `const` Mapping takes them too.

  /// msync(2) of the whole mapping or of [offset, offset + length); page alignment is handled here.
  /// MS_SYNC writes the range's dirty pages back to the file and waits for them. How far that
  /// reaches is the file system's business (Linux also syncs the range's data, not the name of a
  /// file just created): the call mapio documents as surviving a power loss is MappedFile::sync(),
  /// which adds fdatasync(2) of the whole file and fsync(2) of the directory after a create.
  void flush(FlushMode mode = FlushMode::sync) const;
  void flush(std::size_t offset, std::size_t length, FlushMode mode = FlushMode::sync) const;
  /// madvise(2) over [offset, offset + length), default all.
  void advise(Advice advice, std::size_t offset = 0, std::size_t length = whole);
  /// The same on a `const` Mapping, for every advice that leaves the bytes as they are: it refuses
  /// (EPERM) Advice::dont_need on a copy-on-write mapping, which would throw away this process's
  /// changes (the page reads back from the file, or as zeros).
  ///
  ///     const auto log = mapio::MappedFile::open("big.log");
  ///     log.advise(mapio::Advice::sequential);
  void advise(Advice advice, std::size_t offset = 0, std::size_t length = whole) const;
  /// Prefaults every page: MADV_POPULATE_READ/WRITE where the kernel has it (5.14+), else touches
  /// each page (read). Throws EFAULT-based errors when pages cannot be provided (file truncated, or
  /// a page its device cannot read). Reading a file's pages in, it touches each page under the
  /// SIGBUS guard rather than asking MADV_POPULATE_READ, which on Linux 6.1 retries a page whose
  /// read fails without end (tests/vm/scenarios/eio).
  void populate(PopulateFor purpose = PopulateFor::read) const;
  /// The same for the pages that hold [offset, offset + length) only, e.g. to fault in a window
  /// of a large file ahead of its use.
  void populate(PopulateFor purpose, std::size_t offset, std::size_t length) const;
  /// Which pages under bytes() are in memory now (mincore(2)): one entry per page, from the page
  /// that holds data() to the one that holds the last byte. For a file mapping that is the page
  /// cache, whoever read the pages; for anonymous memory, whether a page has been touched.
  ///
  ///     auto in_memory = std::count(pages.begin(), pages.end(), true);   // pages = m.residency()
  std::vector<bool> residency() const;
  /// The same for the pages that hold [offset, offset + length) only: a few probes over a large
  /// mapping cost a few bytes where the whole answer costs one per page.
  std::vector<bool> residency(std::size_t offset, std::size_t length) const;
  /// How many bytes of the mapping the kernel maps with huge-page entries now (2 MiB on x86_64),
  /// from /proc/self/smaps: AnonHugePages, ShmemPmdMapped and FilePmdMapped of its region. A file
  /// maps so where its page cache holds 2 MiB folios at 2 MiB-aligned offsets — typically a file
  /// the kernel read from disk, or wrote in large pieces (docs/benchmarks.md). smaps counts per
  /// region: where the kernel merged anonymous memory with a neighbour of the same flags, the
  /// figure is the merged region's (at most size()).
  ///
  ///     m.populate();
  ///     bool huge = m.huge_page_bytes() * 2 > m.size();
  std::size_t huge_page_bytes() const;
  /// mlock(2) / munlock(2). A failure explains RLIMIT_MEMLOCK and how to raise it.
  void lock() const;
  void unlock() const;
  /// mprotect(2) of the whole mapping. A shared mapping of an object opened read-only (its
  /// descriptor was O_RDONLY when mapped, or MapFlags::read_only_object) or sealed against writes
  /// (F_SEAL_WRITE, F_SEAL_FUTURE_WRITE) never becomes writable: asking is mapio::Error (EACCES)
  /// saying which. A copy-on-write mapping may always become writable: its writes stay private.
  void protect(Protection protection);
  /// mprotect(2) of the pages that hold [offset, offset + length) only, for types that fence parts
  /// of one mapping (GuardedBuffer's guard pages); protection() goes on describing the mapping.
  void protect(Protection protection, std::size_t offset, std::size_t length);
  Protection protection() const noexcept { return protection_; }
  bool writable() const noexcept { return allows(protection_, Protection::write); }
  Sharing sharing() const noexcept { return sharing_; }
  /// Byte offset of data() in the mapped object.
  std::uint64_t offset() const noexcept { return offset_; }
  const std::string& description() const noexcept { return description_; }

  /// Copies [offset, offset + out.size()) to `out`. If the backing pages are gone (the file was
  /// truncated, a device was unbound) the SIGBUS is caught and a mapio::Error (EFAULT) names the
  /// object and the offset of the lost page; the process lives on. Other faults are not touched.
  void read_safely(std::size_t offset, std::span<std::byte> out) const;

  /// Calls `visit(std::span<const std::byte>)` on consecutive chunks of [offset, offset+length)
  /// with the SIGBUS guard armed: a lost page ends the scan with mapio::Error (EFAULT). If `visit`
  /// returns bool, false stops the scan early.
  /// `visit` must not own objects with destructors on its own stack while it reads the chunk
  /// (recovery jumps out of it, like longjmp): plain counting loops are what this is for.
  template <class Visitor>
  void scan_safely(Visitor&& visit, std::size_t offset = 0, std::size_t length = whole,
                   std::size_t chunk = std::size_t{1} << 20) const {
    auto trampoline = [](void* context, const std::byte* data, std::size_t size) -> bool {
      auto& v = *static_cast<std::remove_reference_t<Visitor>*>(context);
      if constexpr (std::is_same_v<std::invoke_result_t<Visitor&, std::span<const std::byte>>, bool>) {
        return v(std::span<const std::byte>(data, size));
      } else {
        v(std::span<const std::byte>(data, size));
        return true;
      }
    };
    scan_guarded(trampoline, &visit, offset, length, chunk);
  }

  /// munmap(2) now; afterwards the Mapping is empty. Safe to call twice.
  void unmap() noexcept;

 protected:
  // For types built on Mapping (files, shared memory, devices).
  Mapping(std::byte* base, std::size_t mapped_length, std::size_t lead, std::size_t size,
          std::uint64_t offset, Protection protection, Sharing sharing, std::string description) noexcept
      : base_(base), mapped_length_(mapped_length), data_(base + lead), size_(size), offset_(offset),
        protection_(protection), sharing_(sharing), description_(std::move(description)) {}

  /// mremap(2) the mapping to `new_size` visible bytes (MREMAP_MAYMOVE: data() may move).
  void remap(std::size_t new_size);
  std::string subject(std::size_t offset, std::size_t length) const;

 private:
  using ChunkVisitor = bool (*)(void* context, const std::byte* data, std::size_t size);
  void scan_guarded(ChunkVisitor visit, void* context, std::size_t offset, std::size_t length,
                    std::size_t chunk) const;
  void check_view(std::size_t offset, std::size_t count, std::size_t element_size, std::size_t alignment) const;
  void check_writable() const;
  void apply_advice(Advice advice, std::size_t offset, std::size_t length) const;
  [[noreturn]] void throw_lost_page(const char* operation, std::size_t offset, std::size_t length,
                                    const void* fault) const;
  void check_range(const char* operation, std::size_t offset, std::size_t length) const;
  void take(Mapping& other) noexcept;

  std::byte* base_ = nullptr;       // page-aligned start of what was mmap()ed
  std::size_t mapped_length_ = 0;   // bytes mmap()ed (page multiple)
  std::byte* data_ = nullptr;       // first byte the caller asked for
  std::size_t size_ = 0;            // bytes the caller asked for
  std::uint64_t offset_ = 0;        // offset of data_ in the object
  Protection protection_ = Protection::none;
  Sharing sharing_ = Sharing::copy_on_write;
  std::string description_;
  // Why a shared mapping may never become writable (bits of WriteBar in mapping.cpp), learnt when
  // it was mapped: the kernel decides that at mmap time too.
  unsigned char write_bar_ = 0;
  // Mapped from a descriptor (a file, memfd or shm object) rather than anonymous: populate() for
  // reading touches such pages itself (see populate in mapping.cpp).
  bool backed_by_file_ = false;
};

}  // namespace mapio
