// Kill stress for mapio channels: producers and a consumer exchange numbered, checksummed messages
// through a named channel while this process SIGKILLs one of them at random moments and starts a
// successor in its place. What must hold, checked on every message and at the end:
//
// - no hang: every blocked send() and receive() returns within its timeout (plus a slack for a
//   loaded machine), and the run as a whole keeps moving;
// - no corrupt message: each one's checksum and length are right, so half a message never arrives;
// - no lost message: from each producer the numbers arrive without a gap, and at the end every
//   number whose send() returned has arrived;
// - duplicates only where allowed: a message the consumer had not released when it was killed may
//   come again (same sequence number) to its successor, and a message a killed producer may have
//   committed without recording it is sent again by its successor (same number, a new
//   incarnation); a released message never comes again.
//
//     channel_kill_stress --producers 1 --kills 1000
//     channel_kill_stress --producers 4 --kills 1000
//
// Everything the processes must know across their deaths lives in a ledger: an anonymous shared
// mapping made before the first fork, written with single atomic stores so that a kill at any
// instruction leaves it consistent.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using mapio::ipc::Channel;
using mapio::ipc::Receiver;
using mapio::ipc::Sender;

constexpr int max_producers = 8;
constexpr std::chrono::milliseconds call_timeout{1000};
// A blocked call that returns later than its timeout plus this counts as a hang. Generous: the
// machine the suite runs on may be shared by several builds at once.
constexpr std::chrono::milliseconds hang_slack{3000};

struct ProducerLedger {
  std::atomic<std::uint64_t> committed;    // numbers 0..committed-1 were sent and send() returned
  std::atomic<std::uint64_t> incarnation;  // how many processes have been this producer
  std::atomic<std::uint64_t> send_timeouts;
  std::atomic<std::uint64_t> peer_gone;    // send() reported the receiver gone
};

struct Ledger {
  ProducerLedger producer[max_producers];
  // The consumer's memory, kept across its deaths.
  std::atomic<std::uint64_t> released_plus1;  // last sequence number whose release() returned, + 1
  std::atomic<std::uint64_t> held_plus1;      // sequence number of the message being checked, + 1
  std::atomic<std::uint64_t> last_number_plus1[max_producers];
  std::atomic<std::uint64_t> last_incarnation[max_producers];
  // What the consumer found.
  std::atomic<std::uint64_t> received, redelivered, resent, corrupt, lost, bad_duplicates, out_of_order;
  std::atomic<std::uint64_t> receive_timeouts, peer_gone, errors, hangs, max_overrun_ms;
  std::atomic<std::uint64_t> final_check_failed;
  std::atomic<int> stop;            // producers: finish and leave
  std::atomic<int> producers_done;  // consumer: drain and check
  std::atomic<int> consumer_done;
  char last_error[256];
};

Ledger* ledger = nullptr;

void note_error(const char* what) {
  ledger->errors.fetch_add(1);
  std::snprintf(ledger->last_error, sizeof ledger->last_error, "%s", what);
}

void note_duration(Clock::time_point start) {
  const auto took = Clock::now() - start;
  if (took > call_timeout + hang_slack) ledger->hangs.fetch_add(1);
  const auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  const auto over = ms > static_cast<std::uint64_t>(call_timeout.count()) ? ms - call_timeout.count() : 0;
  auto seen = ledger->max_overrun_ms.load();
  while (over > seen && !ledger->max_overrun_ms.compare_exchange_weak(seen, over)) {
  }
}

std::uint64_t fnv1a(const std::byte* data, std::size_t size, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (std::size_t i = 0; i < size; ++i) h = (h ^ static_cast<std::uint8_t>(data[i])) * 0x100000001b3ULL;
  return h;
}

// A message: producer, incarnation, number, checksum (of everything else), then filler whose
// length and bytes follow from the number, so that a torn or mixed message cannot pass.
struct MessageHead {
  std::uint32_t producer;
  std::uint32_t incarnation;
  std::uint64_t number;
  std::uint64_t checksum;
};

std::size_t message_size(unsigned producer, std::uint64_t number, std::size_t max) {
  const std::uint64_t h = (number + 1) * 0x9e3779b97f4a7c15ULL ^ producer;
  return sizeof(MessageHead) + (h >> 40) % (max - sizeof(MessageHead) + 1);
}

void make_message(std::vector<std::byte>& out, unsigned producer, std::uint32_t incarnation, std::uint64_t number,
                  std::size_t max) {
  out.resize(message_size(producer, number, max));
  MessageHead head{producer, incarnation, number, 0};
  for (std::size_t i = sizeof head; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>((number * 131 + i * 7 + producer) & 0xff);
  }
  std::memcpy(out.data(), &head, sizeof head);
  head.checksum = fnv1a(out.data() + sizeof head, out.size() - sizeof head,
                        fnv1a(out.data(), offsetof(MessageHead, checksum)));
  std::memcpy(out.data(), &head, sizeof head);
}

bool check_message(std::span<const std::byte> got, std::size_t max, MessageHead& head) {
  if (got.size() < sizeof head) return false;
  std::memcpy(&head, got.data(), sizeof head);
  if (head.producer >= max_producers || got.size() != message_size(head.producer, head.number, max)) return false;
  const auto sum =
      fnv1a(got.data() + sizeof head, got.size() - sizeof head, fnv1a(got.data(), offsetof(MessageHead, checksum)));
  return sum == head.checksum;
}

[[noreturn]] void producer_main(const std::string& name, unsigned who) {
  auto& me = ledger->producer[who];
  const auto incarnation = static_cast<std::uint32_t>(me.incarnation.fetch_add(1) + 1);
  try {
    Sender tx(Channel::open(name));
    std::vector<std::byte> message;
    std::uint64_t number = me.committed.load();
    while (ledger->stop.load() == 0) {
      make_message(message, who, incarnation, number, tx.max_message_size());
      const auto start = Clock::now();
      try {
        tx.send(message, call_timeout);
      } catch (const mapio::Error& e) {
        note_duration(start);
        if (e.errno_value() == ETIMEDOUT) {
          me.send_timeouts.fetch_add(1);
        } else if (e.errno_value() == EPIPE) {
          me.peer_gone.fetch_add(1);
          ::usleep(1000);  // the receiver is being restarted
        } else {
          throw;
        }
        continue;  // the same number again: it was not sent
      }
      note_duration(start);
      me.committed.store(++number);
    }
  } catch (const std::exception& e) {
    note_error(e.what());
    ::_exit(3);
  }
  ::_exit(0);
}

// Checks one message against the ledger and records it; false when the run must fail.
void account(const MessageHead& head, std::uint64_t sequence) {
  const auto released = ledger->released_plus1.load();
  if (released != 0 && sequence <= released - 1) {
    ledger->bad_duplicates.fetch_add(1);  // a released message came again
    return;
  }
  // The message the previous consumer held when it was killed, delivered again.
  const bool again = ledger->held_plus1.load() == sequence + 1;
  ledger->held_plus1.store(sequence + 1);
  const unsigned p = head.producer;
  const auto last_plus1 = ledger->last_number_plus1[p].load();
  const auto last_incarnation = ledger->last_incarnation[p].load();
  if (last_plus1 == 0 || head.number > last_plus1 - 1) {
    const std::uint64_t expected = last_plus1;  // the number after the last one seen
    if (head.number > expected) ledger->lost.fetch_add(head.number - expected);
  } else if (head.number == last_plus1 - 1) {
    if (again) {
      ledger->redelivered.fetch_add(1);
    } else if (head.incarnation != last_incarnation) {
      ledger->resent.fetch_add(1);  // its first sender was killed before it could record the commit
    } else {
      ledger->bad_duplicates.fetch_add(1);
    }
  } else {
    ledger->out_of_order.fetch_add(1);
  }
  ledger->last_incarnation[p].store(head.incarnation);
  ledger->last_number_plus1[p].store(head.number + 1);
}

[[noreturn]] void consumer_main(const std::string& name, int producers) {
  try {
    Receiver rx(Channel::open(name));
    const std::size_t max = rx.max_message_size();
    for (;;) {
      const bool draining = ledger->producers_done.load() != 0;
      const auto start = Clock::now();
      std::optional<mapio::ipc::MessageView> message;
      try {
        message = draining ? rx.try_receive() : rx.receive(call_timeout);
      } catch (const mapio::Error& e) {
        note_duration(start);
        if (e.errno_value() != EPIPE) throw;
        ledger->peer_gone.fetch_add(1);
        if (draining) break;
        ::usleep(1000);  // every producer is dead at this moment: a successor is coming
        continue;
      }
      note_duration(start);
      if (!message) {
        if (draining) break;
        ledger->receive_timeouts.fetch_add(1);
        continue;
      }
      MessageHead head{};
      if (!check_message(message->bytes, max, head)) {
        ledger->corrupt.fetch_add(1);
      } else {
        account(head, message->sequence);
      }
      ledger->received.fetch_add(1);
      // Work on every fourth message while it is held, as a real consumer would: kills must land
      // between receive() and release() often, to check that such a message comes again.
      if (message->sequence % 4 == 0) {
        const auto until = Clock::now() + 20us;
        while (Clock::now() < until) {
        }
      }
      rx.release();
      ledger->released_plus1.store(message->sequence + 1);
    }
    // Every producer has left and the ring is empty: every committed number must have arrived.
    for (int p = 0; p < producers; ++p) {
      const auto committed = ledger->producer[p].committed.load();
      if (ledger->last_number_plus1[p].load() < committed) {
        ledger->lost.fetch_add(committed - ledger->last_number_plus1[p].load());
        ledger->final_check_failed.store(1);
      }
    }
    ledger->consumer_done.store(1);
  } catch (const std::exception& e) {
    note_error(e.what());
    ::_exit(3);
  }
  ::_exit(0);
}

template <class Main>
pid_t start(Main main) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (pid == 0) main();
  return pid;
}

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Waits for `pid` to exit on its own for up to `limit`; false (and the process killed) if it did not.
bool wait_exit(pid_t pid, std::chrono::milliseconds limit, int& status) {
  const auto until = Clock::now() + limit;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (Clock::now() >= until) {
      ::kill(pid, SIGKILL);
      reap(pid);
      return false;
    }
    ::usleep(2000);
  }
}

struct Options {
  int producers = 1;
  long kills = 100;  // of each side
  std::uint64_t seed = 0;
  std::size_t capacity = 16384;
};

Options parse(int argc, char** argv) {
  Options o;
  o.seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--producers") o.producers = std::atoi(value);
    else if (flag == "--kills") o.kills = std::atol(value);
    else if (flag == "--seed") o.seed = std::strtoull(value, nullptr, 0);
    else if (flag == "--capacity") o.capacity = std::strtoull(value, nullptr, 0);
    else {
      std::fprintf(stderr, "usage: channel_kill_stress [--producers N] [--kills N] [--seed N] [--capacity BYTES]\n");
      std::exit(2);
    }
  }
  if (o.producers < 1 || o.producers > max_producers || o.kills < 0) {
    std::fprintf(stderr, "channel_kill_stress: 1 to %d producers, kills >= 0\n", max_producers);
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  void* shared = ::mmap(nullptr, sizeof(Ledger), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    std::perror("mmap");
    return 2;
  }
  ledger = new (shared) Ledger{};
  const std::string name = "/mapio-kill-stress-" + std::to_string(::getpid());
  try {
    Channel::create(name, options.capacity);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "channel_kill_stress: %s\n", e.what());
    return 2;
  }
  std::printf("channel_kill_stress: %d producer(s), %ld kills of each side, seed %llu, ring %zu bytes\n",
              options.producers, options.kills, static_cast<unsigned long long>(options.seed), options.capacity);
  std::fflush(stdout);

  const auto begin = Clock::now();
  std::vector<pid_t> producers(static_cast<std::size_t>(options.producers));
  for (int p = 0; p < options.producers; ++p) {
    producers[static_cast<std::size_t>(p)] = start([&] { producer_main(name, static_cast<unsigned>(p)); });
  }
  pid_t consumer = start([&] { consumer_main(name, options.producers); });

  // The killer: a random pause, then one side, chosen at random until each has had its kills.
  std::mt19937_64 random(options.seed);
  long producer_kills = 0, consumer_kills = 0;
  std::uint64_t stalled_checks = 0, last_progress = 0;
  auto last_moved = Clock::now();
  bool stuck = false;
  while (producer_kills < options.kills || consumer_kills < options.kills) {
    const auto pause_us = std::uniform_int_distribution<int>(0, 12000)(random);
    ::usleep(static_cast<useconds_t>(pause_us));
    // The run as a whole must move: some message committed or received every 20 s.
    std::uint64_t progress = ledger->received.load();
    for (int p = 0; p < options.producers; ++p) progress += ledger->producer[p].committed.load();
    if (progress != last_progress) {
      last_progress = progress;
      last_moved = Clock::now();
    } else if (Clock::now() - last_moved > 20s) {
      ++stalled_checks;
      stuck = true;
      break;
    }
    const bool kill_consumer = producer_kills >= options.kills ||
                               (consumer_kills < options.kills && (random() & 1) != 0);
    if (kill_consumer) {
      ::kill(consumer, SIGKILL);
      reap(consumer);
      ++consumer_kills;
      consumer = start([&] { consumer_main(name, options.producers); });
    } else {
      const auto p = static_cast<std::size_t>(random() % producers.size());
      ::kill(producers[p], SIGKILL);
      reap(producers[p]);
      ++producer_kills;
      producers[p] = start([&] { producer_main(name, static_cast<unsigned>(p)); });
    }
  }

  // The end: producers leave, the consumer drains the ring and checks that nothing is missing.
  ledger->stop.store(1);
  int status = 0;
  bool clean = !stuck;
  for (const pid_t pid : producers) {
    if (!wait_exit(pid, 30s, status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) clean = false;
  }
  ledger->producers_done.store(1);
  if (!wait_exit(consumer, 30s, status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) clean = false;
  Channel::unlink(name);
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();

  std::uint64_t committed = 0, send_timeouts = 0, send_peer_gone = 0;
  for (int p = 0; p < options.producers; ++p) {
    committed += ledger->producer[p].committed.load();
    send_timeouts += ledger->producer[p].send_timeouts.load();
    send_peer_gone += ledger->producer[p].peer_gone.load();
  }
  const auto& l = *ledger;
  std::printf("kills: %ld producer, %ld consumer in %.1f s\n", producer_kills, consumer_kills, seconds);
  std::printf("messages: %llu committed, %llu received, %llu redelivered after a consumer kill, %llu resent after a "
              "producer kill\n",
              static_cast<unsigned long long>(committed), static_cast<unsigned long long>(l.received.load()),
              static_cast<unsigned long long>(l.redelivered.load()), static_cast<unsigned long long>(l.resent.load()));
  std::printf("failures: %llu lost, %llu corrupt, %llu duplicates of released messages, %llu out of order, %llu hangs "
              "(longest call %llu ms past its %lld ms timeout), %llu unexpected errors%s\n",
              static_cast<unsigned long long>(l.lost.load()), static_cast<unsigned long long>(l.corrupt.load()),
              static_cast<unsigned long long>(l.bad_duplicates.load()),
              static_cast<unsigned long long>(l.out_of_order.load()),
              static_cast<unsigned long long>(l.hangs.load() + stalled_checks),
              static_cast<unsigned long long>(l.max_overrun_ms.load()),
              static_cast<long long>(call_timeout.count()), static_cast<unsigned long long>(l.errors.load()),
              l.errors.load() != 0 ? (std::string(" (last: ") + l.last_error + ")").c_str() : "");
  std::printf("reported: %llu peer gone to the consumer, %llu to producers; %llu receive and %llu send timeouts\n",
              static_cast<unsigned long long>(l.peer_gone.load()), static_cast<unsigned long long>(send_peer_gone),
              static_cast<unsigned long long>(l.receive_timeouts.load()),
              static_cast<unsigned long long>(send_timeouts));
  const bool ok = clean && l.consumer_done.load() != 0 && l.lost.load() == 0 && l.corrupt.load() == 0 &&
                  l.bad_duplicates.load() == 0 && l.out_of_order.load() == 0 && l.hangs.load() == 0 &&
                  l.errors.load() == 0 && l.final_check_failed.load() == 0 && l.received.load() > 0;
  std::printf("%s\n", ok ? "PASS" : (stuck ? "FAIL (no progress for 20 s)" : "FAIL"));
  return ok ? 0 : 1;
}
