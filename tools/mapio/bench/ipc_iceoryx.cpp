// mapio bench --ipc: iceoryx (Eclipse, zero-copy publish/subscribe through shared memory chunks).
// iceoryx needs its daemon, RouDi, running: Debian ships RouDi's library but no iox-roudi program,
// so the bench runs RouDi from that library in a process of its own for the iceoryx measurements.
// Publishers loan a chunk, copy the message in and publish; subscribers poll take(), read the
// chunk in place and release it (iceoryx's own benchmark waits the same way). Built in when
// iceoryx was found (MAPIO_HAVE_ICEORYX).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "ipc_common.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

#if MAPIO_HAVE_ICEORYX
#include <iceoryx_hoofs/log/logmanager.hpp>
#include <iceoryx_posh/popo/untyped_publisher.hpp>
#include <iceoryx_posh/popo/untyped_subscriber.hpp>
#include <iceoryx_posh/roudi/iceoryx_roudi_app.hpp>
#include <iceoryx_posh/runtime/posh_runtime.hpp>
#endif

namespace mapio::cli::bench::ipc {

#if MAPIO_HAVE_ICEORYX
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

pid_t roudi_pid = -1;

class TopicLink final : public Link {
 public:
  TopicLink(const std::string& in, const std::string& out, std::size_t size, std::size_t queue) {
    iox::log::LogManager::GetLogManager().SetDefaultLogLevel(iox::log::LogLevel::kError, iox::log::LogLevelOutput::kHideLogLevel);
    iox::runtime::PoshRuntime::initRuntime(iox::RuntimeName_t(iox::cxx::TruncateToCapacity,
                                                              fmt::format("mapio-bench-{}", ::getpid())));
    iox::popo::PublisherOptions publishing;
    // No message may be dropped: a full subscriber queue makes the publisher wait.
    publishing.subscriberTooSlowPolicy = iox::popo::ConsumerTooSlowPolicy::WAIT_FOR_CONSUMER;
    iox::popo::SubscriberOptions subscribing;
    subscribing.queueCapacity = queue;
    subscribing.queueFullPolicy = iox::popo::QueueFullPolicy::BLOCK_PRODUCER;
    publisher_.emplace(service(out), publishing);
    subscriber_.emplace(service(in), subscribing);
    (void)size;
  }
  ~TopicLink() override {
    if (held_ != nullptr) subscriber_->release(held_);
  }
  void send(std::span<const std::byte> message) override {
    if (!connected_) {
      // A message published before the subscriber is connected reaches nobody: wait for it.
      const auto until = Clock::now() + 20s;
      while (!publisher_->hasSubscribers()) {
        if (Clock::now() > until) throw Error("publish", "iceoryx", ETIMEDOUT, "no subscriber came in 20 s");
        std::this_thread::sleep_for(1ms);
      }
      connected_ = true;
    }
    auto chunk = publisher_->loan(static_cast<std::uint32_t>(message.size()));
    if (chunk.has_error()) throw Error("loan", "iceoryx", ENOMEM, "no chunk could be loaned");
    void* payload = chunk.value();
    if (!message.empty()) std::memcpy(payload, message.data(), message.size());
    publisher_->publish(payload);
  }
  std::span<const std::byte> receive(std::size_t size) override {
    const auto until = Clock::now() + 20s;
    for (std::uint64_t polls = 1;; ++polls) {
      auto taken = subscriber_->take();
      if (!taken.has_error()) {
        held_ = taken.value();
        return {static_cast<const std::byte*>(held_), size};
      }
      __builtin_ia32_pause();
      if (polls % (1u << 16) == 0 && Clock::now() > until) {
        throw Error("take", "iceoryx", ETIMEDOUT, "no message in 20 s");
      }
    }
  }
  void done() override {
    subscriber_->release(held_);
    held_ = nullptr;
  }

 private:
  static iox::capro::ServiceDescription service(const std::string& event) {
    return {"mapio-bench", "ipc", iox::capro::IdString_t(iox::cxx::TruncateToCapacity, event)};
  }
  std::optional<iox::popo::UntypedPublisher> publisher_;
  std::optional<iox::popo::UntypedSubscriber> subscriber_;
  const void* held_ = nullptr;
  bool connected_ = false;
};

class TopicRig final : public Rig {
 public:
  explicit TopicRig(std::size_t size) : size_(size) {
    static std::atomic<unsigned> made{0};
    const unsigned n = made++;
    down_ = fmt::format("{}-{}-down", ::getpid(), n);
    up_ = fmt::format("{}-{}-up", ::getpid(), n);
  }
  std::unique_ptr<Link> open(int side) override {
    // As many queued messages as mapio's ring holds, within iceoryx's limit of 256; its default
    // memory pools hold enough chunks for that.
    const std::size_t queue = std::clamp<std::size_t>(queue_room(size_) / std::max<std::size_t>(size_, 1), 2, 256);
    return side == 0 ? std::make_unique<TopicLink>(up_, down_, size_, queue)
                     : std::make_unique<TopicLink>(down_, up_, size_, queue);
  }

 private:
  std::size_t size_;
  std::string down_, up_;
};

// RouDi in a process of its own, from the library, with its default memory pools.
std::string start_roudi() {
  // RouDi makes its management segment anew: one older than this start is a dead RouDi's.
  const auto started = std::filesystem::file_time_type::clock::now() - 1s;
  std::fflush(nullptr);
  roudi_pid = ::fork();
  if (roudi_pid < 0) return fmt::format("fork: {}", std::strerror(errno));
  if (roudi_pid == 0) {
    // RouDi reports on its own console; the bench checks its status instead. At shutdown it also
    // complains about the bench's processes that exited without saying goodbye.
    const int null = sys::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    iox::log::LogManager::GetLogManager().SetDefaultLogLevel(iox::log::LogLevel::kError, iox::log::LogLevelOutput::kHideLogLevel);
    iox::config::CmdLineArgs_t arguments;
    arguments.logLevel = iox::log::LogLevel::kError;
    iox::RouDiConfig_t config = iox::RouDiConfig_t().setDefaults();
    iox::roudi::IceOryxRouDiApp roudi(arguments, config);
    ::_exit(roudi.run());
  }
  // Up once its management segment exists; a RouDi that exits at once (another one runs, no
  // shared memory) says why in its status.
  const auto until = Clock::now() + 10s;
  while (Clock::now() < until) {
    int status = 0;
    if (::waitpid(roudi_pid, &status, WNOHANG) == roudi_pid) {
      roudi_pid = -1;
      return fmt::format("RouDi (iceoryx's daemon, run from libiceoryx_posh_roudi) exited at start with status {}",
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    std::error_code ec;
    const auto made = std::filesystem::last_write_time("/dev/shm/iceoryx_mgmt", ec);
    if (!ec && made >= started) {
      std::this_thread::sleep_for(100ms);
      return {};
    }
    std::this_thread::sleep_for(20ms);
  }
  return "RouDi (iceoryx's daemon) did not create its shared memory within 10 s";
}

void stop_roudi() {
  if (roudi_pid <= 0) return;
  ::kill(roudi_pid, SIGTERM);  // RouDi shuts down and removes its segments on SIGTERM
  int status = 0;
  sys::retry_interrupted([&] { return ::waitpid(roudi_pid, &status, 0); });
  roudi_pid = -1;
}

}  // namespace

Transport iceoryx_transport() {
  Transport t;
  t.name = "iceoryx";
  t.description = "iceoryx 2 publish/subscribe each way (RouDi run in-process); loan+copy+publish, polled take";
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> { return std::make_unique<TopicRig>(size); };
  t.exit_cleanly = true;
  t.start = start_roudi;
  t.stop = stop_roudi;
  return t;
}

#else

Transport iceoryx_transport() {
  Transport t;
  t.name = "iceoryx";
  t.unavailable = "built without iceoryx (libiceoryx-posh-dev was not found at configure time)";
  return t;
}

#endif

}  // namespace mapio::cli::bench::ipc
