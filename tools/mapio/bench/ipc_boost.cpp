// mapio bench --ipc: Boost.Interprocess message_queue, the most used shared-memory queue in C++.
// A process-shared mutex and condition variables around a ring of fixed-size slots; send and
// receive block on them. Built in when Boost's headers were found (MAPIO_HAVE_BOOST_INTERPROCESS).
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "ipc_common.hpp"

#if MAPIO_HAVE_BOOST_INTERPROCESS
#include <boost/interprocess/ipc/message_queue.hpp>
#endif

namespace mapio::cli::bench::ipc {

#if MAPIO_HAVE_BOOST_INTERPROCESS
namespace {

namespace bi = boost::interprocess;

class QueueLink final : public Link {
 public:
  QueueLink(bi::message_queue& in, bi::message_queue& out, std::size_t size) : in_(in), out_(out), buffer_(size) {}
  void send(std::span<const std::byte> message) override { out_.send(message.data(), message.size(), 0); }
  std::span<const std::byte> receive(std::size_t size) override {
    bi::message_queue::size_type got = 0;
    unsigned priority = 0;
    in_.receive(buffer_.data(), buffer_.size(), got, priority);
    return {buffer_.data(), std::min<std::size_t>(got, size)};
  }

 private:
  bi::message_queue& in_;
  bi::message_queue& out_;
  std::vector<std::byte> buffer_;
};

// Both queues are made (and their names removed) by the bench process; the forked processes use
// the mappings they inherit.
class QueueRig final : public Rig {
 public:
  explicit QueueRig(std::size_t size)
      : down_name_(fmt::format("mapio-bench-{}-down", ::getpid())),
        up_name_(fmt::format("mapio-bench-{}-up", ::getpid())),
        down_(make(down_name_, size)),
        up_(make(up_name_, size)) {}
  ~QueueRig() override {
    bi::message_queue::remove(down_name_.c_str());
    bi::message_queue::remove(up_name_.c_str());
  }
  std::unique_ptr<Link> open(int side) override {
    return side == 0 ? std::make_unique<QueueLink>(*up_, *down_, size_) : std::make_unique<QueueLink>(*down_, *up_, size_);
  }

 private:
  std::unique_ptr<bi::message_queue> make(const std::string& name, std::size_t size) {
    size_ = std::max<std::size_t>(size, 1);
    bi::message_queue::remove(name.c_str());
    // As many bytes of slots as mapio's ring has.
    const std::size_t slots = std::max<std::size_t>(queue_room(size_) / size_, 2);
    return std::make_unique<bi::message_queue>(bi::create_only, name.c_str(), slots, size_);
  }

  std::string down_name_, up_name_;
  std::size_t size_ = 1;
  std::unique_ptr<bi::message_queue> down_, up_;
};

}  // namespace

Transport boost_transport() {
  Transport t;
  t.name = "boost-message-queue";
  t.description = "Boost.Interprocess message_queue each way, blocking send/receive";
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> { return std::make_unique<QueueRig>(size); };
  return t;
}

#else

Transport boost_transport() {
  Transport t;
  t.name = "boost-message-queue";
  t.unavailable = "built without Boost.Interprocess (libboost-dev was not found at configure time)";
  return t;
}

#endif

}  // namespace mapio::cli::bench::ipc
