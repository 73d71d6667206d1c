// `mapio chan`: named channels (mapio::ipc) from the shell, so that two shells can talk.
//
//   mapio chan create /NAME CAPACITY [--mode OCTAL]   makes /dev/shm/NAME
//   mapio chan send /NAME [MESSAGE...] [--spin US]     each argument one message; none: each line
//                                                      of standard input one message
//   mapio chan recv /NAME [-n COUNT] [--timeout S] [--spin US]   each message, then a newline
//   mapio chan stat /NAME [--json]
//   mapio chan rm /NAME
//
// recv behaves like `cat` on a FIFO: it waits for a sender to attach, prints what comes, and ends
// (status 0) once every sender that attached is gone — left or killed — and the ring is drained,
// or after COUNT messages. A timeout or a damaged segment ends it with status 1 and a message.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"
#include "output.hpp"
#include "json_text.hpp"

namespace mapio::cli {
namespace {

struct Options {
  std::string name;
  std::string capacity;
  std::string mode = "0600";
  std::vector<std::string> messages;
  std::uint64_t count = 0;  // 0: no limit
  double timeout = 10;
  unsigned spin = 0;  // microseconds of looking before sleeping (Sender/Receiver::set_spin)
  bool json = false;
};

// At most 10 ms: a spin is worth microseconds; a longer one only burns a core the peer may need.
std::chrono::microseconds spin_of(unsigned microseconds) {
  if (microseconds > 10000) throw ArgumentError(fmt::format("bad spin '{}': use 0 to 10000 microseconds", microseconds));
  return std::chrono::microseconds(microseconds);
}

std::chrono::milliseconds timeout_of(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) throw ArgumentError(fmt::format("bad timeout '{}': use 0 to 1e9 seconds", seconds));
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

int create(const Options& o) {
  const auto capacity = parse_size(o.capacity);
  const auto mode = parse_number(o.mode, "mode");
  if (mode > 0777) throw ArgumentError(fmt::format("bad mode '{}': use octal permission bits, e.g. 0600", o.mode));
  auto channel = ipc::Channel::create(o.name, capacity, static_cast<unsigned>(mode));
  std::printf("created %s: %zu ring bytes, messages up to %zu bytes\n", o.name.c_str(), channel.capacity(),
              channel.max_message_size());
  return 0;
}

int send(const Options& o) {
  const auto timeout = timeout_of(o.timeout);
  const auto spin = spin_of(o.spin);
  ipc::Sender tx(ipc::Channel::open(o.name));
  tx.set_spin(spin);
  auto one = [&](const std::string& message) {
    tx.send(std::as_bytes(std::span(message.data(), message.size())), timeout);
  };
  if (!o.messages.empty()) {
    for (const auto& m : o.messages) one(m);
    return 0;
  }
  std::string line;
  while (std::getline(std::cin, line)) one(line);
  return 0;
}

int receive(const Options& o) {
  const auto timeout = timeout_of(o.timeout);
  const auto spin = spin_of(o.spin);
  ipc::Receiver rx(ipc::Channel::open(o.name));
  rx.set_spin(spin);
  // Each message and its newline in one checked write, so that lines of concurrent readers never
  // interleave and a message that could not be written is an error, not a silent loss.
  LineOutput out;
  for (std::uint64_t n = 0; o.count == 0 || n < o.count; ++n) {
    std::optional<ipc::MessageView> message;
    try {
      message = rx.receive(timeout);
    } catch (const Error& e) {
      if (e.errno_value() == EPIPE) return 0;  // every sender is gone and the ring is drained
      throw;
    }
    if (!message) {
      throw Error("receive", o.name, ETIMEDOUT, fmt::format("no message for {} s", o.timeout));
    }
    try {
      out.line({reinterpret_cast<const char*>(message->bytes.data()), message->bytes.size()});
    } catch (const WriteError& e) {
      throw Error("write", "standard output", e.errno_value());
    }
    rx.release();
  }
  return 0;
}

int stat(const Options& o) {
  auto channel = ipc::Channel::open(o.name);
  const auto s = channel.status();
  if (o.json) {
    auto peer = [](const ipc::Peer& p) { return nlohmann::ordered_json{{"pid", p.pid}, {"alive", p.alive}}; };
    nlohmann::ordered_json senders = nlohmann::ordered_json::array();
    for (const auto& p : s.senders) senders.push_back(peer(p));
    const nlohmann::ordered_json out{{"name", o.name},
                                     {"capacity", s.capacity},
                                     {"used", s.used},
                                     {"head", s.head},
                                     {"tail", s.tail},
                                     {"next_sequence", s.next_sequence},
                                     {"receiver", s.receiver ? peer(*s.receiver) : nlohmann::ordered_json(nullptr)},
                                     {"senders", std::move(senders)}};
    std::printf("%s", json_text(out).c_str());
    return 0;
  }
  std::string text = fmt::format("{}: {} of {} ring bytes used (head {}, tail {}), {} messages sent\n", o.name, s.used,
                                 s.capacity, s.head, s.tail, s.next_sequence);
  text += s.receiver ? fmt::format("receiver: pid {} ({})\n", s.receiver->pid, s.receiver->alive ? "alive" : "gone")
                     : std::string(s.receiver_attached_once ? "receiver: left\n" : "receiver: none yet\n");
  if (s.senders.empty()) text += s.senders_attached_once ? "senders: all left\n" : "senders: none yet\n";
  for (const auto& p : s.senders) text += fmt::format("sender: pid {} ({})\n", p.pid, p.alive ? "alive" : "gone");
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

Registration verb{"chan", "Message channels in shared memory: create, send, recv, stat, rm", [](CLI::App& app) -> Runner {
  auto o = std::make_shared<Options>();
  app.require_subcommand(1);
  auto* mk = app.add_subcommand("create", "Create /NAME (in /dev/shm) with a ring of CAPACITY bytes");
  mk->add_option("name", o->name, "/NAME")->required();
  mk->add_option("capacity", o->capacity, "Ring bytes (K, M, G suffixes; rounded up to a power of two)")->required();
  mk->add_option("--mode", o->mode, "Permissions (default 0600)");
  auto* tx = app.add_subcommand("send", "Send each MESSAGE (or each line of standard input) to /NAME");
  tx->add_option("name", o->name, "/NAME")->required();
  tx->add_option("messages", o->messages, "Messages; none: standard input, one per line");
  tx->add_option("--timeout", o->timeout, "Seconds to wait for room (default 10)");
  tx->add_option("--spin", o->spin, "Microseconds to keep looking at a full ring before sleeping (default 0, at most 10000)");
  auto* rx = app.add_subcommand("recv", "Print each message of /NAME and a newline, until every sender is gone");
  rx->add_option("name", o->name, "/NAME")->required();
  rx->add_option("-n,--count", o->count, "Stop after COUNT messages");
  rx->add_option("--timeout", o->timeout, "Seconds to wait for each message (default 10)");
  rx->add_option("--spin", o->spin, "Microseconds to keep looking at an empty ring before sleeping (default 0, at most 10000)");
  auto* st = app.add_subcommand("stat", "Capacity, fill, indices, and the peers alive or gone");
  st->add_option("name", o->name, "/NAME")->required();
  st->add_flag("--json", o->json, "Print JSON");
  auto* rm = app.add_subcommand("rm", "Remove /NAME");
  rm->add_option("name", o->name, "/NAME")->required();
  return [o, mk, tx, rx, st, rm] {
    if (mk->parsed()) return create(*o);
    if (tx->parsed()) return send(*o);
    if (rx->parsed()) return receive(*o);
    if (st->parsed()) return stat(*o);
    if (rm->parsed()) {
      ipc::Channel::unlink(o->name);
      return 0;
    }
    return usage_error_status;
  };
}};

}  // namespace
}  // namespace mapio::cli
