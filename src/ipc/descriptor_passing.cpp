#include "mapio/ipc/descriptor_passing.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::ipc {

void send_descriptor(int socket, int fd) {
  char byte = 'F';
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  const ssize_t sent = sys::retry_interrupted([&] { return ::sendmsg(socket, &message, MSG_NOSIGNAL); });
  if (sent < 0) throw_errno("sendmsg(SCM_RIGHTS)", fmt::format("socket {}", socket));
}

FileDescriptor receive_descriptor(int socket, std::chrono::milliseconds timeout) {
  const std::string subject = fmt::format("socket {}", socket);
  const int ready = sys::wait_readable(socket, timeout);
  if (ready < 0) throw_errno("poll", subject);
  if (ready == 0) throw Error("recvmsg(SCM_RIGHTS)", subject, ETIMEDOUT, "no descriptor came in time");

  char byte = 0;
  iovec data{&byte, 1};
  // Room for more than one: a peer that sends several must not leak the extra ones into us.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t got = sys::retry_interrupted([&] { return ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC); });
  if (got < 0) throw_errno("recvmsg(SCM_RIGHTS)", subject);
  if (got == 0) throw Error("recvmsg(SCM_RIGHTS)", subject, EPIPE, "the peer closed the socket");

  std::vector<FileDescriptor> received;
  for (cmsghdr* h = CMSG_FIRSTHDR(&message); h != nullptr; h = CMSG_NXTHDR(&message, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
      received.emplace_back(fd, fmt::format("descriptor {} from {}", fd, subject));
    }
  }
  if ((message.msg_flags & MSG_CTRUNC) != 0 || received.size() != 1) {
    throw Error("recvmsg(SCM_RIGHTS)", subject, EPROTO,
                fmt::format("expected one descriptor, {} came{}", received.size(),
                            (message.msg_flags & MSG_CTRUNC) != 0 ? " (and more were cut off)" : ""));
  }
  return std::move(received.front());
}

}  // namespace mapio::ipc
