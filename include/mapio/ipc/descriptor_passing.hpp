// Passing a descriptor to another process over a UNIX socket (SCM_RIGHTS): how a memfd, and so a
// channel or any SharedMemory, reaches a process that cannot open it by name.
//
//     int pair[2];
//     socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair);
//     mapio::ipc::send_descriptor(pair[0], channel.descriptor());          // this process
//     auto fd = mapio::ipc::receive_descriptor(pair[1], std::chrono::seconds(1));   // the other one
//     auto same = mapio::ipc::Channel::from_descriptor(fd.get());
#pragma once

#include <chrono>

#include "mapio/core/descriptor.hpp"

namespace mapio::ipc {

/// Sends `fd` (and one byte, since a message must carry data) over the connected UNIX socket
/// `socket` (sendmsg with SCM_RIGHTS). mapio::Error naming the socket on failure.
void send_descriptor(int socket, int fd);

/// Receives one descriptor sent by send_descriptor, waiting at most `timeout`. ETIMEDOUT when
/// none came, EPIPE when the peer closed the socket, EPROTO when a message came without exactly
/// one descriptor (any descriptors that did come are closed: nothing leaks).
FileDescriptor receive_descriptor(int socket, std::chrono::milliseconds timeout);

}  // namespace mapio::ipc
