// Owned rdma-core objects (each released exactly once, in the right order by declaration order)
// and the waits on rdmacm events, shared by the server and the connection.
#pragma once

#include <infiniband/verbs.h>
#include <sys/socket.h>
#include <rdma/rdma_cma.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"

namespace mapio::rdma::detail {

struct EventChannelDelete {
  void operator()(rdma_event_channel* c) const noexcept { rdma_destroy_event_channel(c); }
};
struct PdDelete {
  void operator()(ibv_pd* p) const noexcept { ibv_dealloc_pd(p); }
};
struct CqDelete {
  void operator()(ibv_cq* c) const noexcept { ibv_destroy_cq(c); }
};
struct MrDelete {
  void operator()(ibv_mr* m) const noexcept { ibv_dereg_mr(m); }
};
using EventChannel = std::unique_ptr<rdma_event_channel, EventChannelDelete>;
using Pd = std::unique_ptr<ibv_pd, PdDelete>;
using Cq = std::unique_ptr<ibv_cq, CqDelete>;
using Mr = std::unique_ptr<ibv_mr, MrDelete>;

/// An rdma_cm_id and, once made, its queue pair (destroyed before the id).
struct CmIdDelete {
  void operator()(rdma_cm_id* id) const noexcept {
    if (id->qp != nullptr) rdma_destroy_qp(id);
    rdma_destroy_id(id);
  }
};
using CmId = std::unique_ptr<rdma_cm_id, CmIdDelete>;

EventChannel make_event_channel(const std::string& subject);

/// getaddrinfo(3) of `host`:`port`, the first answer. `passive` for an address to bind (the server),
/// else one to connect to. A failure is mapio::Error with `failure` as its errno (EINVAL for a bad
/// local address, EHOSTUNREACH for a peer that cannot be named) and the resolver's words.
sockaddr_storage resolve(const std::string& host, std::uint16_t port, bool passive, int failure,
                         const std::string& subject);

/// The next event on `channel`, copied out and acknowledged; ETIMEDOUT after `timeout`.
struct Event {
  rdma_cm_event_type type;
  int status;
  rdma_cm_id* id;
  rdma_cm_id* listen_id;
  std::uint8_t private_data[64];
  std::uint8_t private_data_len;
};
/// Waits at most `timeout`; false when nothing came.
bool next_event(rdma_event_channel* channel, std::chrono::milliseconds timeout, Event& out, const std::string& subject);

/// The region as it travels in the connection's private data.
struct Advertisement {
  std::uint64_t magic;
  std::uint64_t address;
  std::uint64_t length;
  std::uint32_t key;
  std::uint32_t rights;
};
inline constexpr std::uint64_t advertisement_magic = 0x314d45524f49504dULL;  // "MPIOREM1"

/// A protection domain, a completion queue and a reliable-connected queue pair on `id`.
void make_queue_pair(rdma_cm_id* id, Pd& pd, Cq& cq, const std::string& subject);

/// ibv_reg_mr with mapio's explanation of the usual refusals (RLIMIT_MEMLOCK).
Mr register_memory(ibv_pd* pd, void* address, std::size_t length, int access, const std::string& subject);

/// The error for a work request that completed with `status`: EPIPE when the peer went away
/// (retries exhausted, work flushed) or revoked its region (a remote access error: mapio checks
/// bounds and rights before posting, so only an invalid key is left), EIO otherwise; in
/// ibv_wc_status_str's words and mapio's.
Error completion_error(ibv_wc_status status, const char* operation, const std::string& subject);

/// Registration flags for remote `rights` (REMOTE_WRITE and ATOMIC need LOCAL_WRITE too).
int access_flags(Rights rights);

}  // namespace mapio::rdma::detail
