#include "tcp_copy.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::cli {
namespace {

struct Request {
  std::uint64_t offset;
  std::uint64_t length;
};

addrinfo* resolve(const std::string& host, std::uint16_t port, bool passive, const std::string& subject) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int err = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); err != 0) {
    throw Error("getaddrinfo", subject, passive ? EINVAL : EHOSTUNREACH, gai_strerror(err));
  }
  return found;
}

void no_delay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // a request is one small segment
}

// Reads all of `out` unless the peer closes (false) or `timeout` passes without a byte (ETIMEDOUT).
bool read_all(int fd, std::span<std::byte> out, std::chrono::milliseconds timeout, int& error) {
  std::size_t done = 0;
  while (done < out.size()) {
    const int ready = sys::wait_readable(fd, timeout);
    if (ready <= 0) {
      error = ready == 0 ? ETIMEDOUT : errno;
      return false;
    }
    const ssize_t n = sys::read(fd, out.subspan(done));
    if (n <= 0) {
      error = n == 0 ? EPIPE : errno;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

TcpCopyServer::TcpCopyServer(std::span<const std::byte> bytes, const std::string& address, std::uint16_t port)
    : bytes_(bytes) {
  const std::string subject = fmt::format("tcp {}:{}", address, port);
  addrinfo* found = resolve(address, port, true, subject);
  listener_ = FileDescriptor(socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), subject);
  if (listener_.get() < 0) {
    freeaddrinfo(found);
    throw_errno("socket", subject);
  }
  const int one = 1;
  setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int bound = bind(listener_.get(), found->ai_addr, found->ai_addrlen);
  const int error = errno;
  freeaddrinfo(found);
  if (bound != 0) throw_errno("bind", subject, error);
  if (listen(listener_.get(), 4) != 0) throw_errno("listen", subject);
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) throw_errno("getsockname", subject);
  port_ = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpCopyServer::~TcpCopyServer() {
  stop_ = true;
  thread_.join();
}

void TcpCopyServer::run() noexcept {
  while (!stop_) {
    if (sys::wait_readable(listener_.get(), std::chrono::milliseconds(100)) <= 0) continue;
    const int client = sys::retry_interrupted([&] { return accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC); });
    if (client < 0) continue;
    const FileDescriptor owned(client, "tcp client");
    no_delay(client);
    serve_one(client);
  }
}

// Answers requests until the client closes, asks outside the region, or the server stops.
void TcpCopyServer::serve_one(int client) noexcept {
  while (!stop_) {
    const int ready = sys::wait_readable(client, std::chrono::milliseconds(100));
    if (ready < 0) return;
    if (ready == 0) continue;
    Request request{};
    int error = 0;
    if (!read_all(client, std::as_writable_bytes(std::span(&request, 1)), std::chrono::milliseconds(5000), error)) return;
    if (request.offset > bytes_.size() || request.length > bytes_.size() - request.offset) return;
    const auto answer = bytes_.subspan(static_cast<std::size_t>(request.offset), static_cast<std::size_t>(request.length));
    if (sys::write_exact(client, answer).error != 0) return;
  }
}

TcpCopyClient::TcpCopyClient(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout)
    : subject_(fmt::format("tcp {}:{}", host, port)) {
  addrinfo* found = resolve(host, port, false, subject_);
  socket_ = FileDescriptor(socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), subject_);
  if (socket_.get() < 0) {
    freeaddrinfo(found);
    throw_errno("socket", subject_);
  }
  // A connect that no one answers gives up after the send timeout (socket(7), SO_SNDTIMEO).
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const timeval limit{static_cast<time_t>(micros / 1000000), static_cast<suseconds_t>(micros % 1000000)};
  setsockopt(socket_.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const int connected = sys::retry_interrupted([&] { return connect(socket_.get(), found->ai_addr, found->ai_addrlen); });
  const int error = errno;
  freeaddrinfo(found);
  if (connected != 0) {
    throw Error("tcp connect", subject_, error == EINPROGRESS || error == EAGAIN ? ETIMEDOUT : error, "");
  }
  no_delay(socket_.get());
}

void TcpCopyClient::read(std::uint64_t offset, std::span<std::byte> into, std::chrono::milliseconds timeout) {
  const Request request{offset, into.size()};
  if (const auto sent = sys::write_exact(socket_.get(), std::as_bytes(std::span(&request, 1))); sent.error != 0) {
    throw Error("tcp read", subject_, sent.error, "sending the request");
  }
  int error = 0;
  if (!read_all(socket_.get(), into, timeout, error)) {
    throw Error("tcp read", fmt::format("{} [{}, +{}]", subject_, hex(offset), into.size()), error,
                error == EPIPE ? "the server closed the connection (a range outside its region?)" : "no answer");
  }
}

}  // namespace mapio::cli
