#include "rdma/verbs.hpp"

#include <netdb.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::rdma::detail {

EventChannel make_event_channel(const std::string& subject) {
  rdma_event_channel* channel = rdma_create_event_channel();
  if (channel == nullptr) {
    throw Error("rdma_create_event_channel", subject, errno != 0 ? errno : ENODEV,
                "the RDMA connection manager is not available (is rdma_cm loaded and /dev/infiniband/rdma_cm there?)");
  }
  return EventChannel(channel);
}

sockaddr_storage resolve(const std::string& host, std::uint16_t port, bool passive, int failure,
                         const std::string& subject) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int err = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); err != 0) {
    throw Error("getaddrinfo", subject, failure, gai_strerror(err));
  }
  sockaddr_storage out{};
  std::memcpy(&out, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  return out;
}

bool next_event(rdma_event_channel* channel, std::chrono::milliseconds timeout, Event& out, const std::string& subject) {
  const int ready = sys::wait_readable(channel->fd, timeout);
  if (ready < 0) throw_errno("poll", subject);
  if (ready == 0) return false;
  rdma_cm_event* event = nullptr;
  if (rdma_get_cm_event(channel, &event) != 0) throw_errno("rdma_get_cm_event", subject);
  out.type = event->event;
  out.status = event->status;
  out.id = event->id;
  out.listen_id = event->listen_id;
  out.private_data_len = 0;
  const auto* data = static_cast<const std::uint8_t*>(event->param.conn.private_data);
  if ((event->event == RDMA_CM_EVENT_ESTABLISHED || event->event == RDMA_CM_EVENT_CONNECT_RESPONSE) && data != nullptr) {
    const std::size_t n = std::min<std::size_t>(event->param.conn.private_data_len, sizeof out.private_data);
    std::memcpy(out.private_data, data, n);
    out.private_data_len = static_cast<std::uint8_t>(n);
  }
  rdma_ack_cm_event(event);
  return true;
}

void make_queue_pair(rdma_cm_id* id, Pd& pd, Cq& cq, const std::string& subject) {
  pd.reset(ibv_alloc_pd(id->verbs));
  if (!pd) throw_errno("ibv_alloc_pd", subject);
  cq.reset(ibv_create_cq(id->verbs, 256, nullptr, nullptr, 0));
  if (!cq) throw_errno("ibv_create_cq", subject);
  ibv_qp_init_attr attributes{};
  attributes.send_cq = cq.get();
  attributes.recv_cq = cq.get();
  attributes.qp_type = IBV_QPT_RC;
  attributes.cap.max_send_wr = 128;
  attributes.cap.max_recv_wr = 1;
  attributes.cap.max_send_sge = 1;
  attributes.cap.max_recv_sge = 1;
  attributes.sq_sig_all = 1;
  if (rdma_create_qp(id, pd.get(), &attributes) != 0) throw_errno("rdma_create_qp", subject);
}

Mr register_memory(ibv_pd* pd, void* address, std::size_t length, int access, const std::string& subject) {
  // A zero-length region cannot be registered; one byte of a valid page stands for it.
  ibv_mr* mr = ibv_reg_mr(pd, address, std::max<std::size_t>(length, 1), access);
  if (mr != nullptr) return Mr(mr);
  const int err = errno;
  std::string why;
  if (err == EFAULT) {
    why = "a page of the range cannot be pinned: either the mapping is read-only and shared (the kernel pins "
          "registered memory for writing; Linux before 6.2 always does): serve a copy-on-write mapping instead, "
          "which the peers read and nobody writes; or the file under the mapping is now shorter than it (cut "
          "while served): map it again";
  } else if (err == ENOMEM || err == EPERM || err == EAGAIN) {
    rlimit limit{};
    ::getrlimit(RLIMIT_MEMLOCK, &limit);
    why = fmt::format("registering locks the pages in memory: RLIMIT_MEMLOCK is {} bytes, {} were asked "
                      "(raise it with ulimit -l or run as root)",
                      limit.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : std::to_string(limit.rlim_cur),
                      length);
  }
  throw Error("ibv_reg_mr", subject, err, why);
}

Error completion_error(ibv_wc_status status, const char* operation, const std::string& subject) {
  const bool gone = status == IBV_WC_RETRY_EXC_ERR || status == IBV_WC_RNR_RETRY_EXC_ERR || status == IBV_WC_WR_FLUSH_ERR;
  // The server deregistered the region: it stopped serving, or died and the kernel tore its
  // regions down before its connections.
  const bool revoked = status == IBV_WC_REM_ACCESS_ERR;
  return Error(operation, subject, gone || revoked ? EPIPE : EIO,
               fmt::format("{}{}", ibv_wc_status_str(status),
                           gone      ? ": the peer went away"
                           : revoked ? ": the server revoked the region (it stopped serving or died)"
                                     : ""));
}

int access_flags(Rights rights) {
  int flags = 0;
  if (allows(rights, Rights::read)) flags |= IBV_ACCESS_REMOTE_READ;
  if (allows(rights, Rights::write)) flags |= IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE;
  if (allows(rights, Rights::atomic)) flags |= IBV_ACCESS_REMOTE_ATOMIC | IBV_ACCESS_LOCAL_WRITE;
  return flags;
}

}  // namespace mapio::rdma::detail
