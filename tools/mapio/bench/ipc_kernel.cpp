// mapio bench --ipc: the kernel's peers. A pipe each way, and a UNIX stream socket pair; both
// block in read(2) for the next message, and copy it in and out of the kernel.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ipc_common.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::cli::bench::ipc {
namespace {

// A byte stream carrying messages of a size both sides know: no framing needed.
class StreamLink final : public Link {
 public:
  StreamLink(int in, int out, std::size_t size, std::string name)
      : in_(in), out_(out), buffer_(size), name_(std::move(name)) {}
  void send(std::span<const std::byte> message) override {
    if (sys::write_exact(out_, message).done != message.size()) throw_errno("write", name_);
  }
  std::span<const std::byte> receive(std::size_t size) override {
    std::span<std::byte> left(buffer_.data(), size);
    while (!left.empty()) {
      const ssize_t n = sys::read(in_, left);
      if (n < 0) throw_errno("read", name_);
      if (n == 0) throw Error("read", name_, EPIPE, "the peer closed its end");
      left = left.subspan(static_cast<std::size_t>(n));
    }
    return {buffer_.data(), size};
  }

 private:
  int in_, out_;
  std::vector<std::byte> buffer_;
  std::string name_;
};

// Descriptors made before the fork; each side keeps its own and closes the others.
class DescriptorRig final : public Rig {
 public:
  DescriptorRig(std::vector<int> fds, std::array<int, 2> side0, std::array<int, 2> side1, std::size_t size,
                std::string name)
      : fds_(std::move(fds)), ends_{side0, side1}, size_(size), name_(std::move(name)) {}
  ~DescriptorRig() override {
    for (int fd : fds_) ::close(fd);
  }
  std::unique_ptr<Link> open(int side) override {
    const auto [in, out] = ends_[static_cast<std::size_t>(side)];
    for (int& fd : fds_) {
      if (fd != in && fd != out) ::close(fd);
    }
    fds_.clear();
    return std::make_unique<StreamLink>(in, out, size_, name_);
  }

 private:
  std::vector<int> fds_;
  std::array<std::array<int, 2>, 2> ends_;  // {in, out} of each side
  std::size_t size_;
  std::string name_;
};

}  // namespace

Transport pipe_transport() {
  Transport t;
  t.name = "pipe";
  t.description = "a pipe each way, blocking read/write";
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> {
    int down[2], up[2];
    if (::pipe(down) != 0) throw_errno("pipe", "mapio bench --ipc");
    if (::pipe(up) != 0) {
      const int e = errno;
      ::close(down[0]);
      ::close(down[1]);
      throw_errno("pipe", "mapio bench --ipc", e);
    }
    // As much room as the other transports (the most an unprivileged pipe may have is 1 MiB).
    for (int fd : {down[1], up[1]}) ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(std::min<std::size_t>(queue_room(size), 1 << 20)));
    // Side 0 writes down and reads up; side 1 the other way round.
    return std::make_unique<DescriptorRig>(std::vector<int>{down[0], down[1], up[0], up[1]},
                                           std::array<int, 2>{up[0], down[1]}, std::array<int, 2>{down[0], up[1]}, size,
                                           "pipe");
  };
  return t;
}

Transport unix_socket_transport() {
  Transport t;
  t.name = "unix-socket";
  t.description = "a UNIX stream socket pair, blocking read/write";
  t.prepare = [](std::size_t size) -> std::unique_ptr<Rig> {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair", "mapio bench --ipc");
    int buffer = static_cast<int>(queue_room(size));
    for (int fd : pair) {
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
    return std::make_unique<DescriptorRig>(std::vector<int>{pair[0], pair[1]}, std::array<int, 2>{pair[0], pair[0]},
                                           std::array<int, 2>{pair[1], pair[1]}, size, "UNIX socket");
  };
  return t;
}

}  // namespace mapio::cli::bench::ipc
