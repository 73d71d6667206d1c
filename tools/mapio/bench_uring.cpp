// mapio bench: io_uring reads without liburing — io_uring_setup(2) and io_uring_enter(2) directly,
// the rings mapped through mapio::Mapping. `depth` reads of `block` bytes stay in flight; each
// completion is counted (newlines do not care about order) and its buffer sent out again.
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "bench_common.hpp"
#include "mapio/descriptor.hpp"
#include "mapio/error.hpp"
#include "mapio/mapping.hpp"
#include "mapio/scan.hpp"

namespace mapio::cli::bench {
namespace {

template <class T>
T* at(const Mapping& map, std::uint32_t offset) {
  return reinterpret_cast<T*>(const_cast<std::byte*>(map.data()) + offset);
}

class Ring {
 public:
  explicit Ring(unsigned entries) {
    io_uring_params params{};
    const long fd = ::syscall(__NR_io_uring_setup, entries, &params);
    if (fd < 0) throw_errno("io_uring_setup", "io_uring");
    fd_ = FileDescriptor(static_cast<int>(fd), "io_uring");
    const std::size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(std::uint32_t);
    const std::size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    sq_ = Mapping::map_descriptor(fd_.get(), IORING_OFF_SQ_RING, std::max(sq_size, cq_size), Protection::read_write,
                                  Sharing::shared, "io_uring SQ ring");
    if ((params.features & IORING_FEAT_SINGLE_MMAP) == 0) {
      cq_ = Mapping::map_descriptor(fd_.get(), IORING_OFF_CQ_RING, cq_size, Protection::read_write, Sharing::shared,
                                    "io_uring CQ ring");
    }
    sqes_ = Mapping::map_descriptor(fd_.get(), IORING_OFF_SQES, params.sq_entries * sizeof(io_uring_sqe),
                                    Protection::read_write, Sharing::shared, "io_uring SQEs");
    const Mapping& cq = cq_.empty() ? sq_ : cq_;
    sq_tail_ = at<std::uint32_t>(sq_, params.sq_off.tail);
    sq_mask_ = *at<std::uint32_t>(sq_, params.sq_off.ring_mask);
    sq_array_ = at<std::uint32_t>(sq_, params.sq_off.array);
    cq_head_ = at<std::uint32_t>(cq, params.cq_off.head);
    cq_tail_ = at<std::uint32_t>(cq, params.cq_off.tail);
    cq_mask_ = *at<std::uint32_t>(cq, params.cq_off.ring_mask);
    cqes_ = at<io_uring_cqe>(cq, params.cq_off.cqes);
  }

  void queue_read(int fd, void* buffer, std::uint32_t length, std::uint64_t offset, std::uint64_t tag) {
    const std::uint32_t tail = *sq_tail_;
    const std::uint32_t index = tail & sq_mask_;
    io_uring_sqe& sqe = at<io_uring_sqe>(sqes_, 0)[index];
    sqe = io_uring_sqe{};
    sqe.opcode = IORING_OP_READ;
    sqe.fd = fd;
    sqe.addr = reinterpret_cast<std::uint64_t>(buffer);
    sqe.len = length;
    sqe.off = offset;
    sqe.user_data = tag;
    sq_array_[index] = index;
    std::atomic_ref<std::uint32_t>(*sq_tail_).store(tail + 1, std::memory_order_release);
    ++pending_;
  }

  /// Submits what was queued and waits for one completion: {tag, result}.
  std::pair<std::uint64_t, int> wait() {
    for (;;) {
      const std::uint32_t head = *cq_head_;
      if (head != std::atomic_ref<std::uint32_t>(*cq_tail_).load(std::memory_order_acquire)) {
        const io_uring_cqe cqe = cqes_[head & cq_mask_];
        std::atomic_ref<std::uint32_t>(*cq_head_).store(head + 1, std::memory_order_release);
        return {cqe.user_data, cqe.res};
      }
      const long r = ::syscall(__NR_io_uring_enter, fd_.get(), pending_, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw_errno("io_uring_enter", "io_uring");
      }
      pending_ -= static_cast<unsigned>(r);
    }
  }

 private:
  FileDescriptor fd_;
  Mapping sq_, cq_, sqes_;
  std::uint32_t* sq_tail_ = nullptr;
  std::uint32_t sq_mask_ = 0;
  std::uint32_t* sq_array_ = nullptr;
  std::uint32_t* cq_head_ = nullptr;
  std::uint32_t* cq_tail_ = nullptr;
  std::uint32_t cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned pending_ = 0;
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
      ring.queue_read(file.get(), base + slot * block, static_cast<std::uint32_t>(wanted - static_cast<std::uint64_t>(result)),
                      from, slot);
      ++in_flight;
      continue;
    }
    send(static_cast<unsigned>(slot));
  }
  return lines;
}

}  // namespace mapio::cli::bench
