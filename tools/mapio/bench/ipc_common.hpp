// mapio bench --ipc: messages between two processes, mapio's channel against its peers. Shared
// declarations of the transports (ipc_*.cpp), the two-process harness and the report.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mapio::cli::bench::ipc {

/// One process's end of a transport between two processes.
class Link {
 public:
  virtual ~Link() = default;
  /// Sends one message.
  virtual void send(std::span<const std::byte> message) = 0;
  /// Receives the next message, which has `size` bytes; it stays valid until done() (zero-copy
  /// transports hand out their shared memory, the others a buffer of the link's own).
  virtual std::span<const std::byte> receive(std::size_t size) = 0;
  /// Gives the message receive() returned back to the transport.
  virtual void done() {}
  /// Sends a message this process makes itself: `message` is its bytes, all `fill` but for the
  /// first `prefix` (a timestamp, or none). By default the bytes are sent as send() sends them
  /// (copied from `message`); a transport that lets the sender write into its shared memory
  /// (reserve, write, commit) may write them there instead, and copy only the prefix.
  virtual void send_made(std::span<const std::byte> message, std::byte, std::size_t) { send(message); }
};

/// What a transport sets up in the bench process before the two processes fork (pipes, sockets,
/// shared segments); each process then opens its own end.
class Rig {
 public:
  virtual ~Rig() = default;
  /// Side 0 measures, side 1 is the peer (echoes, or streams). Runs in the forked process.
  virtual std::unique_ptr<Link> open(int side) = 0;
};

struct Transport {
  std::string name;         ///< as in the JSON: "mapio", "pipe", ...
  std::string description;  ///< how it is used, for the table
  std::string unavailable;  ///< why it cannot run here; empty when it can
  bool streams = true;      ///< false for the cache-line floor: latency only
  bool exit_cleanly = false;  ///< its processes end with exit(), not _exit(): iceoryx's runtime says goodbye
  /// A rig for messages of `size` bytes.
  std::function<std::unique_ptr<Rig>(std::size_t size)> prepare;
  /// Runs before and after this transport's measurements (iceoryx starts and stops its daemon).
  std::function<std::string()> start;  ///< returns why it could not start, empty on success
  std::function<void()> stop;
};

/// The bytes every transport may hold queued for messages of `size` bytes: mapio's ring, the
/// pipe's and the socket's buffers, the queues' slots. At least 1 MiB, and four messages.
inline std::size_t queue_room(std::size_t size) { return std::max<std::size_t>(std::size_t{1} << 20, 4 * size); }

Transport pipe_transport();
Transport unix_socket_transport();
Transport mapio_transport();
Transport mapio_in_place_transport();
Transport cache_line_transport();
Transport boost_transport();
Transport iceoryx_transport();

/// A measurement of one transport at one size.
struct Result {
  std::string transport;
  std::string description;
  std::size_t size = 0;
  std::optional<double> latency_ns;      ///< median half round trip
  std::optional<double> messages_per_s;  ///< median over the repetitions of a stream's rate
  std::string unavailable;               ///< why there are no numbers
};

struct Options {
  std::vector<std::size_t> sizes{64, 4096, std::size_t{1} << 20};
  unsigned reps = 3;
  double scale = 1;  ///< multiplies every message count
  std::vector<std::string> only;  ///< transports to measure (all when empty)
  bool quiet = false;
};

/// Round trips (side 0 sends, side 1 echoes) of `size` bytes: each one's time in nanoseconds.
std::vector<double> round_trips(const Transport& t, std::size_t size, std::size_t count);
/// Side 1 streams `count` messages of `size` bytes; side 0 receives them: messages per second.
double stream(const Transport& t, std::size_t size, std::size_t count);
/// The reference for one copy: memcpy of `size` bytes into successive places of a ring as large
/// as the channel's, copies per second.
double memcpy_rate(std::size_t size, std::size_t count);

/// Every transport at every size, interleaved by repetition.
struct Report {
  Options options;
  std::vector<Result> results;
  std::vector<std::pair<std::size_t, double>> memcpy_per_s;  ///< size, copies per second
  std::vector<std::pair<std::string, std::string>> environment;
};
Report measure(const Options& options);

std::string render_table(const Report& report);
std::string render_json(const Report& report);
std::string render_svg(const Report& report);

}  // namespace mapio::cli::bench::ipc
