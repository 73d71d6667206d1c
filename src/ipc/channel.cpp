#include "mapio/ipc/channel.hpp"

#include <bit>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ipc/endpoint.hpp"
#include "ipc/guarded_step.hpp"
#include "ipc/process_identity.hpp"
#include "ipc/segment.hpp"
#include "mapio/core/error.hpp"

namespace mapio::ipc {
namespace {

using detail::header_bytes;
using detail::SegmentHeader;

constexpr std::size_t min_capacity = 4096;
constexpr std::size_t max_capacity = std::size_t{1} << 32;  // record sizes are 32-bit

std::size_t ring_capacity(const char* operation, const std::string& name, std::size_t asked) {
  if (asked > max_capacity) {
    throw Error(operation, name, EINVAL, fmt::format("a channel holds at most {} bytes, {} were asked", max_capacity, asked));
  }
  return std::bit_ceil(std::max(asked, min_capacity));
}

void check_channel_name(const std::string& name, const char* operation) {
  SharedMemory::check_name(name);
  if (name.size() > 201) {
    throw Error(operation, name.substr(0, 64) + "...", ENAMETOOLONG, "a channel name is '/' and at most 200 characters");
  }
  if (name.find("..") != std::string::npos) {
    throw Error(operation, name, EINVAL, "a channel name may not contain \"..\"");
  }
}

void initialise(SharedMemory& memory, std::size_t capacity) {
  auto* header = reinterpret_cast<SegmentHeader*>(memory.writable_data());
  // A new segment reads as zeros (ftruncate): only what is not zero needs writing.
  header->version = detail::segment_version;
  header->header_size = header_bytes;
  header->capacity = capacity;

  // The magic last: a segment that says it is a channel is a whole one.
  detail::shared(header->magic).store(detail::segment_magic, std::memory_order_release);
}

// What attach() learns from the header, read under the guard for a named channel.
struct Inspect {
  const SegmentHeader* header;
  std::uint64_t magic = 0, capacity = 0;
  std::uint32_t version = 0, header_size = 0;
  void operator()() noexcept {
    magic = detail::shared(const_cast<std::uint64_t&>(header->magic)).load(std::memory_order_acquire);
    version = header->version;
    header_size = header->header_size;
    capacity = header->capacity;
  }
};

}  // namespace

std::size_t Channel::max_message_size() const noexcept {
  // Half the ring less a record header: such a message fits even when it must wrap.
  return capacity_ / 2 - sizeof(detail::RecordHeader);
}

Channel Channel::attach(SharedMemory memory, bool named) {
  const std::string subject = memory.description();
  if (memory.size() < header_bytes + min_capacity) {
    throw Error("attach channel", subject, EPROTO,
                fmt::format("the segment holds {} bytes, less than any channel", memory.size()));
  }
  Inspect inspect{reinterpret_cast<const SegmentHeader*>(memory.data())};
  if (!detail::run_step(named, memory.data(), memory.size(), inspect)) {
    throw Error("attach channel", subject, EFAULT, "the segment was truncated under the channel");
  }
  if (inspect.magic != detail::segment_magic) {
    throw Error("attach channel", subject, EPROTO, "the segment is not a mapio channel (wrong magic)");
  }
  if (inspect.version != detail::segment_version || inspect.header_size != header_bytes) {
    throw Error("attach channel", subject, EPROTO,
                fmt::format("channel version {} is not the version {} this library speaks", inspect.version,
                            detail::segment_version));
  }
  if (!std::has_single_bit(inspect.capacity) || inspect.capacity < min_capacity ||
      inspect.capacity != memory.size() - header_bytes) {
    throw Error("attach channel", subject, EPROTO,
                fmt::format("the header's capacity {} does not match the segment's {} ring bytes", inspect.capacity,
                            memory.size() - header_bytes));
  }
  const auto capacity = static_cast<std::size_t>(inspect.capacity);
  (void)memory.writable_data();  // fails here, once, for a mapping that cannot be written
  return Channel(std::move(memory), capacity, named);
}

Channel Channel::create_memfd(const std::string& name, std::size_t capacity) {
  const std::size_t ring = ring_capacity("create channel", name, capacity);
  auto memory = SharedMemory::create_memfd(name, header_bytes + ring);
  initialise(memory, ring);
  // Nobody may change its size again: the receiver and senders need never fear SIGBUS.
  memory.seal(Seal::shrink | Seal::grow | Seal::seal);
  return Channel(std::move(memory), ring, false);
}

Channel Channel::create(const std::string& name, std::size_t capacity, unsigned mode) {
  check_channel_name(name, "create channel");
  const std::size_t ring = ring_capacity("create channel", name, capacity);
  auto memory = SharedMemory::create(name, header_bytes + ring, mode);
  try {
    initialise(memory, ring);
  } catch (...) {
    SharedMemory::unlink(name);
    throw;
  }
  return Channel(std::move(memory), ring, true);
}

Channel Channel::open(const std::string& name) {
  check_channel_name(name, "open channel");
  return attach(SharedMemory::open(name), true);
}

Channel Channel::from_descriptor(int fd) {
  auto memory = SharedMemory::from_descriptor(fd, Access::read_write, fmt::format("channel fd {}", fd));
  // A segment sealed against shrinking cannot lose pages; any other one is guarded.
  bool sealed = false;
  try {
    sealed = has(memory.seals(), Seal::shrink);
  } catch (const Error&) {
    sealed = false;  // not a memfd: no seals at all
  }
  return attach(std::move(memory), !sealed);
}

detail::Segment Channel::segment() {
  // Every channel maps its segment read-write (attach and create see to it), so the writable
  // pointer needs no check on every message.
  std::byte* base = const_cast<std::byte*>(memory_.data());
  return detail::Segment{reinterpret_cast<SegmentHeader*>(base), base + header_bytes, capacity_, named_, base,
                         memory_.size(), &memory_.description()};
}

ChannelStatus Channel::status() {
  const auto segment = this->segment();
  std::uint64_t words[detail::max_senders];
  std::uint64_t receiver = 0;
  ChannelStatus out;
  out.capacity = capacity_;
  segment.touch("channel status", [&] {
    const auto* h = segment.header;
    auto& header = *const_cast<SegmentHeader*>(h);
    out.head = detail::shared(header.head).load(std::memory_order_acquire);
    out.tail = detail::shared(header.tail).load(std::memory_order_acquire);
    out.next_sequence = header.next_sequence;
    out.receiver_attached_once = detail::shared(header.receiver_ever).load(std::memory_order_acquire) != 0;
    out.senders_attached_once = detail::shared(header.senders_ever).load(std::memory_order_acquire) != 0;
    receiver = detail::shared(header.receiver).load(std::memory_order_acquire);
    for (std::size_t i = 0; i < detail::max_senders; ++i) {
      words[i] = detail::shared(header.senders[i]).load(std::memory_order_acquire);
    }
  });
  if (out.head - out.tail > capacity_ || out.head % detail::record_alignment != 0) {
    segment.corrupt("channel status", fmt::format("head {} and tail {} are not within one ring of {} bytes", out.head,
                                                  out.tail, capacity_));
  }
  out.used = out.head - out.tail;
  if (receiver != 0) {
    const auto who = detail::Identity::from_word(receiver);
    out.receiver = Peer{who.pid, detail::alive(who)};
  }
  for (const std::uint64_t word : words) {
    if (word == 0) continue;
    const auto who = detail::Identity::from_word(word);
    out.senders.push_back(Peer{who.pid, detail::alive(who)});
  }
  return out;
}

void Channel::unlink(const std::string& name) {
  check_channel_name(name, "unlink channel");
  SharedMemory::unlink(name);
}

}  // namespace mapio::ipc
