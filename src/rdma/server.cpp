#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"
#include "rdma/verbs.hpp"

namespace mapio::rdma {
namespace {

// One connected peer. Members are released in reverse order: the queue pair and id first, then
// the memory region, so the region is never reachable through a live queue pair once it is gone.
struct Peer {
  detail::Pd pd;
  detail::Cq cq;
  detail::Mr mr;
  detail::CmId id;
  bool established = false;
};

}  // namespace

struct Server::State {
  std::span<std::byte> region;
  Rights rights = Rights::none;
  std::string subject;
  // Declared first, released last: the listening id and the peers' ids belong to this channel.
  detail::EventChannel channel;
  detail::CmId listener;
  std::map<rdma_cm_id*, Peer> peers;
  std::string refusal;

  ~State() {
    // Revoke remote access before anything else: disconnect every peer, then tear each down
    // (queue pair, id, memory region) while the region is still mapped.
    for (auto& [id, peer] : peers) {
      if (peer.established) rdma_disconnect(id);
    }
    peers.clear();
    listener.reset();
  }

  void accept(rdma_cm_id* id) {
    Peer peer;
    peer.id.reset(id);
    try {
      detail::make_queue_pair(id, peer.pd, peer.cq, subject);
      peer.mr = detail::register_memory(peer.pd.get(), region.data(), region.size(), detail::access_flags(rights),
                                        subject);
      const detail::Advertisement ad{detail::advertisement_magic, reinterpret_cast<std::uint64_t>(region.data()),
                                     region.size(), peer.mr->rkey, static_cast<std::uint32_t>(rights)};
      rdma_conn_param parameters{};
      parameters.private_data = &ad;
      parameters.private_data_len = sizeof ad;
      parameters.responder_resources = 8;  // RDMA READs and atomics the peer may have in flight
      parameters.initiator_depth = 8;
      parameters.rnr_retry_count = 7;
      if (rdma_accept(id, &parameters) != 0) throw_errno("rdma_accept", subject);
    } catch (...) {
      rdma_reject(id, nullptr, 0);
      throw;
    }
    peers.emplace(id, std::move(peer));
  }
};

Server::Server(std::span<const std::byte> region, ListenOptions options)
    : Server(std::span<std::byte>(const_cast<std::byte*>(region.data()), region.size()), Rights::read, options) {}

Server::Server(std::span<std::byte> region, Rights rights, ListenOptions options) : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.region = region;
  s.rights = rights;
  s.subject = fmt::format("rdma server {}:{}", options.address, options.port);
  if (rights == Rights::none) throw Error("rdma serve", s.subject, EINVAL, "a served region needs at least one right");
  s.channel = detail::make_event_channel(s.subject);
  rdma_cm_id* id = nullptr;
  if (rdma_create_id(s.channel.get(), &id, nullptr, RDMA_PS_TCP) != 0) throw_errno("rdma_create_id", s.subject);
  s.listener.reset(id);
  auto address = detail::resolve(options.address, options.port, true, EINVAL, s.subject);
  if (rdma_bind_addr(id, reinterpret_cast<sockaddr*>(&address)) != 0) {
    const int err = errno;
    throw Error("rdma_bind_addr", s.subject, err,
                err == ENODEV || err == EADDRNOTAVAIL ? "no RDMA device has this address (soft-RoCE: rdma link add)" : "");
  }
  if (rdma_listen(id, options.backlog) != 0) throw_errno("rdma_listen", s.subject);
}

Server::Server(Server&&) noexcept = default;
Server::~Server() = default;

std::size_t Server::serve(std::chrono::milliseconds timeout) {
  auto& s = *state_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    detail::Event event{};
    if (!detail::next_event(s.channel.get(), std::max(left, std::chrono::milliseconds(0)), event, s.subject)) break;
    switch (event.type) {
      case RDMA_CM_EVENT_CONNECT_REQUEST:
        try {
          s.accept(event.id);
        } catch (const Error& e) {
          // One peer that could not be served does not stop the server; it was rejected.
          s.refusal = e.what();
        }
        break;
      case RDMA_CM_EVENT_ESTABLISHED:
        if (auto it = s.peers.find(event.id); it != s.peers.end()) it->second.established = true;
        break;
      case RDMA_CM_EVENT_DISCONNECTED:
      case RDMA_CM_EVENT_REJECTED:
      case RDMA_CM_EVENT_CONNECT_ERROR:
      case RDMA_CM_EVENT_UNREACHABLE:
      case RDMA_CM_EVENT_TIMEWAIT_EXIT:
        if (auto it = s.peers.find(event.id); it != s.peers.end()) {
          if (event.type == RDMA_CM_EVENT_DISCONNECTED) rdma_disconnect(event.id);
          s.peers.erase(it);
        }
        break;
      case RDMA_CM_EVENT_DEVICE_REMOVAL:
        throw Error("rdma serve", s.subject, ENODEV, "the RDMA device was removed");
      default:
        break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  return s.peers.size();
}

std::string Server::take_refusal() { return std::exchange(state_->refusal, {}); }

int Server::event_descriptor() const noexcept { return state_->channel->fd; }

std::uint16_t Server::port() const noexcept { return ntohs(rdma_get_src_port(state_->listener.get())); }

std::size_t Server::size() const noexcept { return state_->region.size(); }

Rights Server::rights() const noexcept { return state_->rights; }

}  // namespace mapio::rdma
