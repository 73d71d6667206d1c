#include "mapio/core/mapping.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "core/fault_guard.hpp"
#include "core/smaps.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/page.hpp"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace mapio {
namespace {

int to_prot(Protection protection) {
  int prot = PROT_NONE;
  if (allows(protection, Protection::read)) prot |= PROT_READ;
  if (allows(protection, Protection::write)) prot |= PROT_WRITE;
  if (allows(protection, Protection::execute)) prot |= PROT_EXEC;
  return prot;
}

int to_madvise(Advice advice) {
  switch (advice) {
    case Advice::normal: return MADV_NORMAL;
    case Advice::sequential: return MADV_SEQUENTIAL;
    case Advice::random: return MADV_RANDOM;
    case Advice::will_need: return MADV_WILLNEED;
    case Advice::dont_need: return MADV_DONTNEED;
    case Advice::huge_page: return MADV_HUGEPAGE;
    case Advice::no_huge_page: return MADV_NOHUGEPAGE;
  }
  return MADV_NORMAL;
}

const char* advice_name(Advice advice) {
  switch (advice) {
    case Advice::normal: return "MADV_NORMAL";
    case Advice::sequential: return "MADV_SEQUENTIAL";
    case Advice::random: return "MADV_RANDOM";
    case Advice::will_need: return "MADV_WILLNEED";
    case Advice::dont_need: return "MADV_DONTNEED";
    case Advice::huge_page: return "MADV_HUGEPAGE";
    case Advice::no_huge_page: return "MADV_NOHUGEPAGE";
  }
  return "?";
}

std::string memlock_explanation(std::size_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_MEMLOCK, &limit);
  std::string current = limit.rlim_cur == RLIM_INFINITY ? "unlimited" : fmt::format("{} bytes", limit.rlim_cur);
  return fmt::format(
      "locking {} bytes exceeds RLIMIT_MEMLOCK ({}, counting pages already locked); raise it with "
      "`ulimit -l`, limits.conf or LimitMEMLOCK=, or run with CAP_IPC_LOCK",
      wanted, current);
}

// Why a shared mapping can never be made writable (Mapping::write_bar_).
enum WriteBar : unsigned char {
  opened_read_only = 1,  // the descriptor was O_RDONLY (or MapFlags::read_only_object)
  sealed = 2,            // a memfd sealed with F_SEAL_WRITE or F_SEAL_FUTURE_WRITE
};

// The write seals on the object behind `fd`, named; empty when it has none (or takes no seals).
std::string write_seals(int fd) {
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) return {};
  if ((seals & F_SEAL_WRITE) && (seals & F_SEAL_FUTURE_WRITE)) return "F_SEAL_WRITE and F_SEAL_FUTURE_WRITE";
  if (seals & F_SEAL_WRITE) return "F_SEAL_WRITE";
  if (seals & F_SEAL_FUTURE_WRITE) return "F_SEAL_FUTURE_WRITE";
  return {};
}

std::string write_bar_explanation(unsigned char bar) {
  const char* seal_text = "sealed against writes (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE)";
  if ((bar & sealed) && (bar & opened_read_only)) {
    return fmt::format("the object was opened read-only and is {}: its shared mapping cannot be made writable",
                       seal_text);
  }
  if (bar & sealed) return fmt::format("the object is {}: its shared mapping cannot be made writable", seal_text);
  return "the object was opened read-only: its shared mapping cannot be made writable";
}

// Why mmap(2) of `fd` refused `protection`, in words, when the reason is the descriptor's access
// or the object's seals; empty otherwise.
std::string explain_map_refusal(int err, int fd, Protection protection, Sharing sharing) {
  if (fd < 0) return {};
  const int flags = ::fcntl(fd, F_GETFL);
  const int mode = flags < 0 ? -1 : flags & O_ACCMODE;
  if (err == EACCES && mode == O_WRONLY) return "a mapping needs a readable descriptor (not O_WRONLY)";
  if (!allows(protection, Protection::write) || sharing != Sharing::shared) return {};
  if (err == EACCES && mode == O_RDONLY) {
    return "the object was opened read-only: a writable shared mapping needs a descriptor opened O_RDWR";
  }
  if (err == EPERM) {
    if (const std::string seals = write_seals(fd); !seals.empty()) {
      return fmt::format("the object is sealed against writes ({}): map it read-only", seals);
    }
  }
  return {};
}

}  // namespace

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    unmap();
    take(other);
  }
  return *this;
}

void Mapping::take(Mapping& other) noexcept {
  base_ = std::exchange(other.base_, nullptr);
  mapped_length_ = std::exchange(other.mapped_length_, 0);
  data_ = std::exchange(other.data_, nullptr);
  size_ = std::exchange(other.size_, 0);
  offset_ = std::exchange(other.offset_, 0);
  protection_ = std::exchange(other.protection_, Protection::none);
  sharing_ = other.sharing_;
  description_ = std::move(other.description_);
  write_bar_ = std::exchange(other.write_bar_, 0);
  backed_by_file_ = std::exchange(other.backed_by_file_, false);
}

std::string Mapping::subject(std::size_t offset, std::size_t length) const {
  return fmt::format("{} [offset {}, length {}]", description_, offset_ + offset, length);
}

Mapping Mapping::map_descriptor(int fd, std::uint64_t offset, std::size_t length, Protection protection,
                                Sharing sharing, std::string description, MapFlags flags) {
  if (flags.read_only_object && allows(protection, Protection::write)) {
    throw std::invalid_argument("Mapping::map_descriptor: MapFlags::read_only_object with a writable protection");
  }
  // What the kernel decides at mmap time, kept for protect(): a shared mapping of a read-only
  // descriptor or of a write-sealed memfd can never become writable.
  unsigned char bar = 0;
  if (sharing == Sharing::shared) {
    const int access = ::fcntl(fd, F_GETFL);
    if (flags.read_only_object || (access >= 0 && (access & O_ACCMODE) == O_RDONLY)) bar |= opened_read_only;
    if (!write_seals(fd).empty()) bar |= sealed;
  }
  const std::uint64_t page = page_size();
  const std::uint64_t start = align_down(offset, page);
  const std::size_t lead = static_cast<std::size_t>(offset - start);
  if (length == 0) {
    // mmap(2) rejects a zero length with EINVAL; an empty request gets an empty mapping instead.
    Mapping empty;
    empty.offset_ = offset;
    empty.protection_ = protection;
    empty.sharing_ = sharing;
    empty.description_ = std::move(description);
    empty.write_bar_ = bar;
    return empty;
  }
  if (length > std::numeric_limits<std::size_t>::max() - lead - page) {
    throw Error("map", fmt::format("{} [offset {}, length {}]", description, offset, length), EOVERFLOW,
                "the length does not fit in the address space");
  }
  const std::size_t mapped_length = static_cast<std::size_t>(align_up(lead + length, page));
  int mmap_flags = sharing == Sharing::shared ? MAP_SHARED : MAP_PRIVATE;
  if (flags.populate) mmap_flags |= MAP_POPULATE;
  if (flags.no_reserve) mmap_flags |= MAP_NORESERVE;
  void* base = ::mmap(nullptr, mapped_length, to_prot(protection), mmap_flags, fd, static_cast<off_t>(start));
  if (base == MAP_FAILED) {
    const int err = errno;
    throw Error("map", fmt::format("{} [offset {}, length {}]", description, offset, length), err,
                explain_map_refusal(err, fd, protection, sharing));
  }
  Mapping mapping(static_cast<std::byte*>(base), mapped_length, lead, length, offset, protection, sharing,
                  std::move(description));
  mapping.write_bar_ = bar;
  mapping.backed_by_file_ = true;
  return mapping;
}

Mapping Mapping::anonymous(std::size_t length, Sharing sharing, Protection protection, MapFlags flags) {
  if (length == 0) {
    Mapping empty;
    empty.protection_ = protection;
    empty.sharing_ = sharing;
    empty.description_ = "anonymous memory";
    return empty;
  }
  const std::size_t page = page_size();
  if (length > std::numeric_limits<std::size_t>::max() - page) {
    throw Error("map", fmt::format("anonymous memory [length {}]", length), EOVERFLOW,
                "the length does not fit in the address space");
  }
  const std::size_t mapped_length = static_cast<std::size_t>(align_up(length, page));
  int mmap_flags = MAP_ANONYMOUS | (sharing == Sharing::shared ? MAP_SHARED : MAP_PRIVATE);
  if (flags.populate) mmap_flags |= MAP_POPULATE;
  if (flags.no_reserve) mmap_flags |= MAP_NORESERVE;
  void* base = ::mmap(nullptr, mapped_length, to_prot(protection), mmap_flags, -1, 0);
  if (base == MAP_FAILED) throw_errno("map", fmt::format("anonymous memory [length {}]", length));
  return Mapping(static_cast<std::byte*>(base), mapped_length, 0, length, 0, protection, sharing,
                 "anonymous memory");
}

void Mapping::unmap() noexcept {
  if (base_ != nullptr) ::munmap(base_, mapped_length_);
  base_ = nullptr;
  data_ = nullptr;
  mapped_length_ = 0;
  size_ = 0;
}

void Mapping::check_writable() const {
  if (!writable()) {
    throw Error("write", description_, EACCES,
                "the mapping is read-only; map it read-write (shared) or copy-on-write to change it");
  }
}

std::span<std::byte> Mapping::writable_bytes() {
  check_writable();
  return {data_, size_};
}

void Mapping::check_view(std::size_t offset, std::size_t count, std::size_t element_size,
                         std::size_t alignment) const {
  if (offset > size_ || count > (size_ - offset) / element_size) {
    throw Error("view", subject(offset, count * element_size), ERANGE,
                fmt::format("{} objects of {} bytes at offset {} do not fit in the {} mapped bytes", count,
                            element_size, offset, size_));
  }
  if (reinterpret_cast<std::uintptr_t>(data_ + offset) % alignment != 0) {
    throw Error("view", subject(offset, count * element_size), EINVAL,
                fmt::format("address {} is not aligned to {} bytes", hex(reinterpret_cast<std::uintptr_t>(data_ + offset)),
                            alignment));
  }
}

void Mapping::check_range(const char* operation, std::size_t offset, std::size_t length) const {
  if (offset > size_ || length > size_ - offset) {
    throw Error(operation, subject(offset, length), ERANGE,
                fmt::format("the range ends past the {} mapped bytes", size_));
  }
}

void Mapping::flush(FlushMode mode) const { flush(0, size_, mode); }

void Mapping::flush(std::size_t offset, std::size_t length, FlushMode mode) const {
  if (length == whole) length = offset <= size_ ? size_ - offset : 0;
  check_range("msync", offset, length);
  if (length == 0 || base_ == nullptr) return;
  // msync(2) wants a page-aligned start: widen the range to the pages that hold it.
  std::byte* begin = base_ + align_down(static_cast<std::size_t>(data_ - base_) + offset, page_size());
  std::byte* end = data_ + offset + length;
  if (::msync(begin, static_cast<std::size_t>(end - begin), mode == FlushMode::sync ? MS_SYNC : MS_ASYNC) != 0) {
    throw_errno("msync", subject(offset, length));
  }
}

void Mapping::advise(Advice advice, std::size_t offset, std::size_t length) {
  apply_advice(advice, offset, length);
}

void Mapping::advise(Advice advice, std::size_t offset, std::size_t length) const {
  if (advice == Advice::dont_need && sharing_ == Sharing::copy_on_write) {
    throw Error("madvise(MADV_DONTNEED)", subject(offset, length == whole ? size_ - std::min(offset, size_) : length),
                EPERM,
                "on a copy-on-write mapping it throws away this process's changes, which a const mapping "
                "must not do; call it on a non-const one");
  }
  apply_advice(advice, offset, length);
}

void Mapping::apply_advice(Advice advice, std::size_t offset, std::size_t length) const {
  if (length == whole) length = offset <= size_ ? size_ - offset : 0;
  check_range("madvise", offset, length);
  if (length == 0 || base_ == nullptr) return;
  std::byte* begin = base_ + align_down(static_cast<std::size_t>(data_ - base_) + offset, page_size());
  std::byte* end = data_ + offset + length;
  if (::madvise(begin, static_cast<std::size_t>(end - begin), to_madvise(advice)) != 0) {
    int err = errno;
    std::string why;
    if (err == EINVAL && (advice == Advice::huge_page || advice == Advice::no_huge_page)) {
      why = "the kernel has no transparent huge pages for this mapping (CONFIG_TRANSPARENT_HUGEPAGE)";
    }
    throw Error(fmt::format("madvise({})", advice_name(advice)), subject(offset, length), err, why);
  }
}

std::vector<bool> Mapping::residency() const { return residency(0, size_); }

std::vector<bool> Mapping::residency(std::size_t offset, std::size_t length) const {
  check_range("mincore", offset, length);
  if (length == 0) return {};
  const std::uint64_t page = page_size();
  const auto first = align_down(reinterpret_cast<std::uintptr_t>(data_ + offset), page);
  const auto end = align_up(reinterpret_cast<std::uintptr_t>(data_ + offset) + length, page);
  std::vector<unsigned char> in_core(static_cast<std::size_t>((end - first) / page));
  if (::mincore(reinterpret_cast<void*>(first), static_cast<std::size_t>(end - first), in_core.data()) != 0) {
    throw Error("mincore", subject(offset, length), errno);
  }
  std::vector<bool> pages(in_core.size());
  for (std::size_t i = 0; i < in_core.size(); ++i) pages[i] = (in_core[i] & 1) != 0;
  return pages;
}

std::size_t Mapping::huge_page_bytes() const {
  if (size_ == 0) return 0;
  FileDescriptor smaps = FileDescriptor::open("/proc/self/smaps", O_RDONLY);
  const std::string text = smaps.read_all();
  // The kernel may have split the mapping into several regions (an mprotect or madvise of part of
  // it): every region that overlaps it counts. It may also have merged the mapping with a
  // neighbour of the same kind (anonymous memory, same flags); smaps cannot tell whose huge pages
  // those are, so the answer is clamped to the mapping's size.
  const auto first = reinterpret_cast<std::uintptr_t>(data_);
  const std::size_t bytes = detail::huge_page_bytes(text, first, first + size_);
  return std::min(bytes, size_);
}

namespace {

struct PageTouch {
  const std::byte* begin;
  std::size_t length;
};

// Reads one byte of every page, to fault the pages in: a touch, not a use of the data, so the
// sanitizers' checks are left out — the thread sanitizer's look at its shadow of each page would
// add page faults of its own to the ones the scan's probe counts (maps_in_huge_pieces).
__attribute__((no_sanitize("thread"))) void touch_each_page(void* context) {
  auto* t = static_cast<PageTouch*>(context);
  const std::size_t page = page_size();
  for (std::size_t i = 0; i < t->length; i += page) {
    (void)*static_cast<const volatile std::byte*>(t->begin + i);
  }
}

}  // namespace

void Mapping::populate(PopulateFor purpose) const { populate(purpose, 0, size_); }

void Mapping::populate(PopulateFor purpose, std::size_t offset, std::size_t length) const {
  if (base_ == nullptr) return;
  if (purpose == PopulateFor::write) check_writable();
  check_range("populate", offset, length);
  if (length == 0) return;
  std::byte* begin = base_ + align_down(static_cast<std::size_t>(data_ - base_) + offset, page_size());
  const auto pages = static_cast<std::size_t>(align_up(static_cast<std::size_t>(data_ + offset + length - begin), page_size()));
  const int advice = purpose == PopulateFor::read ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;
  // A file page whose read fails (a bad block, an I/O error of the device) makes MADV_POPULATE_READ
  // of Linux 6.1 retry the read for ever, in the kernel, where no timeout reaches it; a fault of
  // our own gets SIGBUS for it, which the guard turns into an error. So file pages are touched.
  const bool touch_instead = purpose == PopulateFor::read && backed_by_file_;
  const int err = touch_instead ? EINVAL : ::madvise(begin, pages, advice) == 0 ? 0 : errno;
  if (err == 0) return;
  if (err != EINVAL) {
    // EFAULT: pages past the end of the file (truncated); ENOMEM: not enough memory; EPERM/EIO…
    std::string why = err == EFAULT ? "some pages cannot be provided: the file is shorter than the mapping" : "";
    throw Error(purpose == PopulateFor::read ? "populate(MADV_POPULATE_READ)" : "populate(MADV_POPULATE_WRITE)",
                subject(offset, length), err, why);
  }
  // Kernels before 5.14 do not know MADV_POPULATE_* (and file pages are read so, see above): touch
  // one byte of every page, under the guard.
  PageTouch touch{begin, pages};
  const void* fault = detail::run_guarded(begin, pages, touch_each_page, &touch);
  if (fault != nullptr) {
    throw_lost_page("populate", offset, length, fault);
  }
}

void Mapping::lock() const {
  if (base_ == nullptr) return;
  if (::mlock(base_, mapped_length_) != 0) {
    int err = errno;
    std::string why = (err == ENOMEM || err == EPERM || err == EAGAIN) ? memlock_explanation(mapped_length_) : "";
    throw Error("mlock", subject(0, size_), err, why);
  }
}

void Mapping::unlock() const {
  if (base_ == nullptr) return;
  if (::munlock(base_, mapped_length_) != 0) throw_errno("munlock", subject(0, size_));
}

void Mapping::protect(Protection protection) {
  if (write_bar_ != 0 && sharing_ == Sharing::shared && allows(protection, Protection::write)) {
    throw Error("mprotect", subject(0, size_), EACCES, write_bar_explanation(write_bar_));
  }
  if (base_ != nullptr && ::mprotect(base_, mapped_length_, to_prot(protection)) != 0) {
    int err = errno;
    std::string why = err == EACCES
                          ? "the object was opened without the access asked for (e.g. write on a read-only file), "
                            "or is sealed against writes"
                          : "";
    throw Error("mprotect", subject(0, size_), err, why);
  }
  protection_ = protection;
}

void Mapping::protect(Protection protection, std::size_t offset, std::size_t length) {
  check_range("mprotect", offset, length);
  // The same bar as for the whole mapping: part of a read-only object is read-only too.
  if (write_bar_ != 0 && sharing_ == Sharing::shared && allows(protection, Protection::write)) {
    throw Error("mprotect", subject(offset, length), EACCES, write_bar_explanation(write_bar_));
  }
  if (length == 0 || base_ == nullptr) return;
  std::byte* begin = base_ + align_down(static_cast<std::size_t>(data_ - base_) + offset, page_size());
  std::byte* end = data_ + offset + length;
  if (::mprotect(begin, static_cast<std::size_t>(end - begin), to_prot(protection)) != 0) {
    throw_errno("mprotect", subject(offset, length));
  }
}

void Mapping::remap(std::size_t new_size) {
  if (new_size == 0) {
    unmap();
    return;
  }
  const std::size_t lead = static_cast<std::size_t>(data_ - base_);
  const std::size_t new_length = static_cast<std::size_t>(align_up(lead + new_size, page_size()));
  if (base_ == nullptr) {
    throw Error("mremap", subject(0, new_size), EINVAL, "an empty mapping has nothing to resize");
  }
  void* moved = ::mremap(base_, mapped_length_, new_length, MREMAP_MAYMOVE);
  if (moved == MAP_FAILED) throw_errno("mremap", subject(0, new_size));
  base_ = static_cast<std::byte*>(moved);
  mapped_length_ = new_length;
  data_ = base_ + lead;
  size_ = new_size;
}

void Mapping::throw_lost_page(const char* operation, std::size_t offset, std::size_t length,
                              const void* fault) const {
  // A fault in the first page may lie before data_ (the page starts before the caller's offset).
  const auto* at = std::max(static_cast<const std::byte*>(fault), static_cast<const std::byte*>(data_));
  const auto lost = static_cast<std::size_t>(at - data_);
  throw Error(operation, subject(offset, length), EFAULT,
              fmt::format("the page at offset {} is gone (SIGBUS): the file was truncated or the device "
                          "released while mapped, or the page could not be read (an I/O error)",
                          offset_ + align_down(lost, page_size())));
}

void Mapping::read_safely(std::size_t offset, std::span<std::byte> out) const {
  check_range("read", offset, out.size());
  if (out.empty()) return;
  struct Copy {
    std::byte* to;
    const std::byte* from;
    std::size_t length;
  } copy{out.data(), data_ + offset, out.size()};
  const void* fault = detail::run_guarded(
      data_ + offset, out.size(),
      [](void* context) {
        auto* c = static_cast<Copy*>(context);
        std::memcpy(c->to, c->from, c->length);
      },
      &copy);
  if (fault != nullptr) throw_lost_page("read", offset, out.size(), fault);
}

void Mapping::scan_guarded(ChunkVisitor visit, void* context, std::size_t offset, std::size_t length,
                           std::size_t chunk) const {
  if (length == whole) length = offset <= size_ ? size_ - offset : 0;
  check_range("scan", offset, length);
  if (chunk == 0) chunk = std::size_t{1} << 20;
  struct Scan {
    ChunkVisitor visit;
    void* context;
    const std::byte* begin;
    std::size_t length;
    std::size_t chunk;
  } scan{visit, context, data_ + offset, length, chunk};
  // One guard around the whole scan: arming it costs a sigsetjmp, not a system call.
  const void* fault = detail::run_guarded(
      data_ + offset, length,
      [](void* c) {
        auto* s = static_cast<Scan*>(c);
        for (std::size_t done = 0; done < s->length; done += s->chunk) {
          const std::size_t n = std::min(s->chunk, s->length - done);
          if (!s->visit(s->context, s->begin + done, n)) return;
        }
      },
      &scan);
  if (fault != nullptr) throw_lost_page("scan", offset, length, fault);
}

}  // namespace mapio
