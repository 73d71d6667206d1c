// RDMA: a mapio mapping that another machine reads and writes directly (rdma-core: ibverbs and
// rdmacm), with mapio's bounds checks and errors.
//
// One side exposes a mapping; the other connects and does one-sided READ, WRITE, compare-and-swap
// and fetch-and-add on it. The exposing side's CPU takes no part in a transfer.
//
//     // Machine A: serve a file read-write on port 7471 until stop is set.
//     auto file = mapio::MappedFile::open("/data/table.bin", mapio::Access::read_write);
//     mapio::rdma::Server server(file.writable_bytes(), mapio::rdma::Rights::read | mapio::rdma::Rights::write,
//                                {.port = 7471});
//     while (!stop) server.serve(std::chrono::milliseconds(200));
//
//     // Machine B: read 4 KiB at offset 8192 of A's file into local memory.
//     auto remote = mapio::rdma::Connection::connect("10.0.0.1", 7471, std::chrono::seconds(2));
//     std::vector<std::byte> page(4096);
//     remote.read(8192, page, std::chrono::seconds(1));
//
// Guarantees:
// - A request outside what the server advertised (offset, length, rights, an atomic not on an
//   8-byte boundary) is refused with mapio::Error before it is posted, so it never becomes a
//   remote protection fault that kills the connection.
// - Every wait has a timeout; a peer that vanished mid-transfer is reported (the queue pair's
//   error state, in the words of ibv_wc_status_str), never waited for.
// - The server deregisters its memory region and tears down every connection before it returns
//   from its destructor: destroy the Server before you unmap what it serves, and no remote write
//   ever lands in memory mapio has unmapped. Server::expose() takes ownership of the mapping to
//   make that order automatic.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mapio::rdma {

/// What a remote peer may do to an exposed region (IBV_ACCESS_REMOTE_*). Combine with |.
enum class Rights : unsigned { none = 0, read = 1, write = 2, atomic = 4 };
constexpr Rights operator|(Rights a, Rights b) noexcept {
  return static_cast<Rights>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool allows(Rights have, Rights want) noexcept {
  return (static_cast<unsigned>(have) & static_cast<unsigned>(want)) == static_cast<unsigned>(want);
}
/// "read,write,atomic".
std::string to_string(Rights rights);

/// One port of an RDMA device as `mapio rdma devices` shows it.
struct PortInfo {
  unsigned number = 0;
  std::string state;        ///< "active", "down", ... (ibv_port_state_str)
  std::string link_layer;   ///< "Ethernet" (RoCE, soft-RoCE) or "InfiniBand"
  unsigned mtu = 0;         ///< active MTU in bytes
  std::vector<std::string> gids;  ///< non-zero GIDs, in IPv6 notation
};

/// An RDMA device (ibv_get_device_list) and its ports.
struct DeviceInfo {
  std::string name;         ///< "rxe0", "mlx5_0"
  std::string node_guid;
  std::vector<PortInfo> ports;
};

/// Every RDMA device of this machine; empty when there is none (no error: a machine without RDMA
/// is a normal machine). mapio::Error when the verbs library cannot ask the kernel.
std::vector<DeviceInfo> devices();

/// Where a Server listens.
struct ListenOptions {
  std::string address = "0.0.0.0";  ///< the local address to bind (IPv4 or IPv6)
  std::uint16_t port = 7471;
  int backlog = 8;
};

/// Serves one region of memory to every peer that connects: each gets the region's length, its
/// rights and a key in the connection's private data, and then reads and writes it directly.
///
///     mapio::rdma::Server server(shared.writable_bytes(), mapio::rdma::Rights::read, {.port = 7471});
///     server.serve(std::chrono::seconds(1));   // accepts, serves and reaps connections for 1 s
class Server {
 public:
  /// Listens for connections to `region`. The region must stay mapped until the Server is gone.
  /// A read-only region takes Rights::read only (EACCES otherwise).
  Server(std::span<std::byte> region, Rights rights, ListenOptions options = {});
  /// As above for a region that is only read: Rights::read.
  Server(std::span<const std::byte> region, ListenOptions options = {});
  /// Serves `mapping` (a MappedFile, SharedMemory, Mapping...) and owns it, so that the region is
  /// deregistered before the mapping is unmapped.
  template <class M>
  static Server expose(M mapping, Rights rights, ListenOptions options = {}) {
    auto owned = std::make_shared<M>(std::move(mapping));
    Server server = rights == Rights::read ? Server(owned->bytes(), options)
                                           : Server(owned->writable_bytes(), rights, options);
    server.keep_alive_ = owned;
    return server;
  }
  Server(Server&&) noexcept;
  Server& operator=(Server&&) = delete;
  ~Server();

  /// Handles connection events (new peers, established, disconnected) for up to `timeout`.
  /// Returns the number of peers connected now.
  std::size_t serve(std::chrono::milliseconds timeout);
  /// Why the last peer that could not be served was refused ("" when none was since the last
  /// call): a server keeps serving others when one peer fails, so it reports instead of throwing.
  std::string take_refusal();
  /// The descriptor that becomes readable when serve() has work: for a poll() loop.
  int event_descriptor() const noexcept;
  /// The port actually bound (useful with port 0).
  std::uint16_t port() const noexcept;
  std::size_t size() const noexcept;
  Rights rights() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::shared_ptr<void> keep_alive_;
};

/// What the server advertised when the connection was made.
struct RemoteRegion {
  std::uint64_t address = 0;
  std::uint64_t length = 0;
  std::uint32_t key = 0;
  Rights rights = Rights::none;
};

/// A connection to a served region: one-sided operations on it. For one thread at a time (it
/// keeps one work request, a staging buffer and a completion queue for its requests).
///
///     auto remote = mapio::rdma::Connection::connect("10.0.2.15", 7471, std::chrono::seconds(2));
///     auto old = remote.fetch_and_add(0, 1, std::chrono::seconds(1));   // a shared counter
class Connection {
 public:
  /// Resolves `host` (a name or an address), connects, and learns the region. ECONNREFUSED when
  /// nobody listens, ETIMEDOUT after `timeout`, ENODEV when no RDMA device reaches `host`.
  static Connection connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) = delete;
  ~Connection();

  const RemoteRegion& remote() const noexcept;

  /// RDMA READ of `into.size()` bytes at `offset` of the remote region.
  void read(std::uint64_t offset, std::span<std::byte> into, std::chrono::milliseconds timeout);
  /// RDMA WRITE of `from` at `offset` of the remote region.
  void write(std::uint64_t offset, std::span<const std::byte> from, std::chrono::milliseconds timeout);
  /// Atomic compare-and-swap of the 8 bytes at `offset` (8-byte aligned): returns the value that
  /// was there; the swap happened when it equals `expected`.
  std::uint64_t compare_and_swap(std::uint64_t offset, std::uint64_t expected, std::uint64_t desired,
                                 std::chrono::milliseconds timeout);
  /// Atomic fetch-and-add on the 8 bytes at `offset` (8-byte aligned): returns the value before.
  std::uint64_t fetch_and_add(std::uint64_t offset, std::uint64_t add, std::chrono::milliseconds timeout);

  /// Registers `local` for zero-copy transfers: read()/write() on spans inside it post straight
  /// from it instead of copying through the connection's staging buffer. The memory must stay
  /// valid while the Connection lives.
  void register_local(std::span<std::byte> local);

  /// Several READs and WRITEs posted at once, then waited for together.
  struct Transfer {
    enum class Kind { read, write } kind;
    std::uint64_t offset;
    std::span<std::byte> local;  ///< must lie in memory given to register_local()
  };
  void run_batch(std::span<const Transfer> transfers, std::chrono::milliseconds timeout);

 private:
  struct State;
  explicit Connection(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace mapio::rdma
