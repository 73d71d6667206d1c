// mapio bench: sequential reads through io_uring (liburing). `depth` reads of `block` bytes stay in
// flight; each completion is counted (newlines do not care about order) and its buffer sent out
// again for the next block.
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <vector>

#include "bench_common.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/scan/scan.hpp"

namespace mapio::cli::bench {
namespace {

/// An io_uring instance (io_uring_queue_init / io_uring_queue_exit), owned.
class Ring {
 public:
  explicit Ring(unsigned entries) {
    if (const int r = ::io_uring_queue_init(entries, &ring_, 0); r < 0) {
      throw_errno("io_uring_queue_init", "io_uring", -r);
    }
  }
  ~Ring() { ::io_uring_queue_exit(&ring_); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  void queue_read(int fd, void* buffer, std::uint32_t length, std::uint64_t offset, std::uint64_t tag) {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr) throw Error("io_uring_get_sqe", "io_uring", EBUSY, "the submission queue is full");
    ::io_uring_prep_read(sqe, fd, buffer, length, offset);
    ::io_uring_sqe_set_data64(sqe, tag);
  }

  /// Submits what was queued and waits for one completion: {tag, result}.
  std::pair<std::uint64_t, int> wait() {
    io_uring_cqe* cqe = nullptr;
    for (;;) {
      // liburing answers -errno; the retry wants the C library's -1 and errno.
      const int r = sys::retry_interrupted([&] {
        const int result = ::io_uring_submit_and_wait(&ring_, 1);
        if (result >= 0) return result;
        errno = -result;
        return -1;
      });
      if (r < 0) throw_errno("io_uring_submit_and_wait", "io_uring", errno);
      if (::io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe != nullptr) break;
    }
    const std::pair<std::uint64_t, int> done{::io_uring_cqe_get_data64(cqe), cqe->res};
    ::io_uring_cqe_seen(&ring_, cqe);
    return done;
  }

 private:
  io_uring ring_{};
};

}  // namespace

std::uint64_t count_with_io_uring(const std::string& path, unsigned depth, std::size_t block) {
  auto file = FileDescriptor::open(path, O_RDONLY);
  const off_t size = ::lseek(file.get(), 0, SEEK_END);
  if (size < 0) throw_errno("lseek", path);
  Ring ring(depth);
  auto buffers = Mapping::anonymous(depth * block);
  std::byte* base = buffers.writable_data();
  std::vector<std::uint64_t> offset_of(depth);
  std::uint64_t next = 0;
  unsigned in_flight = 0;
  auto send = [&](unsigned slot) {
    if (next >= static_cast<std::uint64_t>(size)) return;
    const auto length = static_cast<std::uint32_t>(std::min<std::uint64_t>(block, static_cast<std::uint64_t>(size) - next));
    offset_of[slot] = next;
    ring.queue_read(file.get(), base + slot * block, length, next, slot);
    next += length;
    ++in_flight;
  };
  for (unsigned slot = 0; slot < depth; ++slot) send(slot);
  std::uint64_t lines = 0;
  while (in_flight > 0) {
    auto [slot, result] = ring.wait();
    --in_flight;
    if (result < 0) throw_errno("io_uring read", path, -result);
    lines += count_lines({base + slot * block, static_cast<std::size_t>(result)});
    const std::uint64_t wanted = std::min<std::uint64_t>(block, static_cast<std::uint64_t>(size) - offset_of[slot]);
    if (static_cast<std::uint64_t>(result) < wanted && result > 0) {
      // A short read: ask for the rest of that block before moving on.
      const std::uint64_t from = offset_of[slot] + static_cast<std::uint64_t>(result);
      offset_of[slot] = from;
      ring.queue_read(file.get(), base + slot * block,
                      static_cast<std::uint32_t>(wanted - static_cast<std::uint64_t>(result)), from, slot);
      ++in_flight;
      continue;
    }
    send(static_cast<unsigned>(slot));
  }
  return lines;
}

}  // namespace mapio::cli::bench
