// The TCP peer of `mapio rdma bench`: the same bytes a `mapio rdma serve` exposes, copied over a
// plain TCP socket on the same link, so that the bench can set RDMA READ beside the copy a program
// without RDMA would make.
//
// The protocol is a request of two 8-byte integers in the machine's byte order (offset, length)
// and an answer of exactly those bytes; a request outside the region closes the connection.
//
//     TcpCopyServer server(file.bytes(), "0.0.0.0", 7472);        // serves from a thread of its own
//     TcpCopyClient client("10.0.0.1", 7472, std::chrono::seconds(5));
//     client.read(0, buffer, std::chrono::seconds(5));
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <thread>

#include "mapio/core/descriptor.hpp"

namespace mapio::cli {

/// Serves `bytes` to one TCP client at a time from a thread of its own, until destroyed. The
/// bytes must stay mapped while it lives.
class TcpCopyServer {
 public:
  TcpCopyServer(std::span<const std::byte> bytes, const std::string& address, std::uint16_t port);
  TcpCopyServer(const TcpCopyServer&) = delete;
  TcpCopyServer& operator=(const TcpCopyServer&) = delete;
  ~TcpCopyServer();  // stops the thread within 100 ms and joins it
  std::uint16_t port() const noexcept { return port_; }

 private:
  void run() noexcept;
  void serve_one(int client) noexcept;
  std::span<const std::byte> bytes_;
  FileDescriptor listener_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A connection to a TcpCopyServer.
class TcpCopyClient {
 public:
  /// Connects to `host`:`port`; ETIMEDOUT after `timeout`, ECONNREFUSED when nobody listens.
  TcpCopyClient(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
  /// Copies `into.size()` bytes at `offset` of the served region into `into`. EPIPE when the
  /// server closes instead (a range outside its region), ETIMEDOUT when no byte comes for `timeout`.
  void read(std::uint64_t offset, std::span<std::byte> into, std::chrono::milliseconds timeout);

 private:
  std::string subject_;
  FileDescriptor socket_;
};

}  // namespace mapio::cli
