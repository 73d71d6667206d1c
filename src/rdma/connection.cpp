#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"
#include "rdma/verbs.hpp"

namespace mapio::rdma {
namespace {

constexpr std::size_t staging_bytes = std::size_t{1} << 20;

// Waits for one event of `wanted` kind; any other outcome is an error in words.
void expect_event(rdma_event_channel* channel, rdma_cm_event_type wanted, std::chrono::steady_clock::time_point deadline,
                  const std::string& subject, detail::Event& event) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (!detail::next_event(channel, std::max(left, std::chrono::milliseconds(0)), event, subject)) {
    throw Error("rdma connect", subject, ETIMEDOUT, fmt::format("no answer while waiting for {}", rdma_event_str(wanted)));
  }
  if (event.type == wanted) return;
  switch (event.type) {
    case RDMA_CM_EVENT_REJECTED:
      throw Error("rdma connect", subject, ECONNREFUSED, "the peer refused the connection (is a server listening?)");
    case RDMA_CM_EVENT_ADDR_ERROR:
      throw Error("rdma connect", subject, ENODEV, "no RDMA device reaches this address (soft-RoCE: rdma link add)");
    case RDMA_CM_EVENT_ROUTE_ERROR:
    case RDMA_CM_EVENT_UNREACHABLE:
      throw Error("rdma connect", subject, EHOSTUNREACH, "the peer is unreachable over RDMA");
    default:
      throw Error("rdma connect", subject, EPROTO,
                  fmt::format("{} (status {}) instead of {}", rdma_event_str(event.type), event.status,
                              rdma_event_str(wanted)));
  }
}

}  // namespace

struct Connection::State {
  // The post path's data, together at the front. A bound is the remote region's length + 1 while
  // the right it stands for is granted and the connection works, else 0: a request passes when
  // its end (offset + length, not overflowing) is below it, one compare for rights, state and range.
  std::uint64_t read_bound = 0;
  std::uint64_t write_bound = 0;
  std::uint64_t atomic_bound = 0;
  // The registered local memory the last request was found in (a window of at most max_post
  // bytes of it): the next request in it needs no search.
  std::uintptr_t hit_begin = 0;
  std::size_t hit_size = 0;
  std::uint32_t hit_lkey = 0;
  // One work request kept ready (one scatter-gather entry, the remote key): a transfer sets only
  // its operation, addresses, length and key.
  ibv_sge sge{};
  ibv_send_wr wr{};

  std::string subject;
  RemoteRegion remote;
  std::vector<std::byte> staging;
  // Release order (reverse): local regions, queue pair and id, completion queue, domain, channel.
  detail::EventChannel channel;
  detail::Pd pd;
  detail::Cq cq;
  detail::CmId id;
  detail::Mr staging_mr;
  std::vector<detail::Mr> local;
  bool broken = false;

  // The most one work request moves: below the 2 GiB message limit of soft-RoCE and most adapters,
  // and within the scatter-gather entry's 32-bit length.
  static constexpr std::size_t max_post = std::size_t{1} << 30;

  ~State() {
    if (id && !broken) rdma_disconnect(id.get());
  }

  // Called once the advertisement is known.
  void prepare() {
    const std::uint64_t bound = remote.length + 1;  // connect() refuses a length where this overflows
    read_bound = allows(remote.rights, Rights::read) ? bound : 0;
    write_bound = allows(remote.rights, Rights::write) ? bound : 0;
    atomic_bound = allows(remote.rights, Rights::atomic) ? bound : 0;
    wr.sg_list = &sge;
    wr.num_sge = 1;
    wr.wr.rdma.rkey = remote.key;
  }

  // A failed connection refuses every request from now on (its bounds say so).
  void fail() {
    broken = true;
    read_bound = write_bound = atomic_bound = 0;
  }

  // The checks every request passes before it is posted: rights, state and range in one compare
  // against the bound for the right it needs. The refusal is out of line and cold, so that a good
  // request's path stays a few instructions (docs/benchmarks.md counts them).
  static bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t bound) noexcept {
    std::uint64_t end = 0;
    return !__builtin_add_overflow(offset, length, &end) && end < bound;
  }
  void check(const char* operation, std::uint64_t offset, std::uint64_t length, std::uint64_t bound,
             Rights needed) const {
    if (!inside(offset, length, bound)) [[unlikely]] refuse(operation, offset, length, needed);
  }
  // Why a request failed its bound: the connection, the right, or the range.
  [[noreturn, gnu::cold, gnu::noinline]] void refuse(const char* operation, std::uint64_t offset, std::uint64_t length,
                                                     Rights needed) const {
    if (broken) throw Error(operation, subject, EPIPE, "the connection failed earlier; connect again");
    if (!allows(remote.rights, needed)) {
      throw Error(operation, subject, EACCES, fmt::format("the server grants {} only", to_string(remote.rights)));
    }
    throw Error(operation, fmt::format("{} [{}, +{}]", subject, hex(offset), length), ERANGE,
                fmt::format("outside the {} bytes the server exposes", remote.length));
  }

  const ibv_mr* region_of(const void* address, std::size_t length) const {
    const auto* p = static_cast<const std::byte*>(address);
    for (const auto& mr : local) {
      const auto* begin = static_cast<const std::byte*>(mr->addr);
      if (p >= begin && p + length <= begin + mr->length) return mr.get();
    }
    return nullptr;
  }

  // Posts `count` work requests and waits until each has completed; the first failure, a timeout,
  // or a peer that went away makes the queue pair unusable, and says so.
  void run(ibv_send_wr* first, std::size_t count, std::chrono::milliseconds timeout, const char* operation) {
    post(first, operation);
    complete(count, timeout, operation);
  }

  void post(ibv_send_wr* first, const char* operation) {
    ibv_send_wr* bad = nullptr;
    if (const int err = ibv_post_send(id->qp, first, &bad); err != 0) [[unlikely]] refuse_post(operation, err);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void refuse_post(const char* operation, int err) const {
    throw Error(operation, subject, err, "ibv_post_send");
  }

  // Polls as a raw verbs loop does, without pause, for the first `spin_for` (hardware completes in
  // microseconds, soft-RoCE in tens to hundreds of them: a sleep there would be most of the
  // latency), reading the clock only every 64 empty polls; after that it sleeps 50 µs between
  // polls until the completion or the deadline. Out of line, so that callgrind counts the post
  // path apart from the wait (docs/benchmarks.md): the wait's count depends on how soon the
  // completion comes.
  static constexpr auto spin_for = std::chrono::milliseconds(2);

  [[gnu::noinline]] void complete(std::size_t count, std::chrono::milliseconds timeout, const char* operation) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    std::size_t done = 0;
    unsigned empty = 0;
    while (done < count) {
      ibv_wc completions[16];
      const int n = ibv_poll_cq(cq.get(), 16, completions);
      if (n < 0) [[unlikely]] {
        fail();
        throw Error(operation, subject, EIO, "ibv_poll_cq failed");
      }
      for (int i = 0; i < n; ++i) {
        if (completions[i].status != IBV_WC_SUCCESS) [[unlikely]] {
          fail();
          throw detail::completion_error(completions[i].status, operation, subject);
        }
      }
      done += static_cast<std::size_t>(n);
      if (done >= count || n > 0 || ++empty % 64 != 0) continue;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) [[unlikely]] time_out(operation);
      if (now - start >= spin_for) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  [[noreturn, gnu::cold, gnu::noinline]] void time_out(const char* operation) {
    // Nothing may land in our memory after we return: flush what is outstanding.
    fail();
    ibv_qp_attr attributes{};
    attributes.qp_state = IBV_QPS_ERR;
    ibv_modify_qp(id->qp, &attributes, IBV_QP_STATE);
    drain();
    throw Error(operation, subject, ETIMEDOUT, "no completion in time; the connection is closed");
  }

  void drain() {
    ibv_wc completions[16];
    for (int rounds = 0; rounds < 1000; ++rounds) {
      if (ibv_poll_cq(cq.get(), 16, completions) <= 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

  // The post path of read() and write(), inlined into each: the bound, then the local memory
  // against the last registered region found (`at` wraps below it; `length - 1` wraps for 0, so
  // an empty request takes the slow path, which posts nothing), then the kept work request.
  [[gnu::always_inline]] void transfer(ibv_wr_opcode opcode, std::uint64_t bound, std::uint64_t offset, std::byte* data,
                                       std::size_t length, std::chrono::milliseconds timeout, const char* operation) {
    if (!inside(offset, length, bound)) [[unlikely]] refuse(operation, offset, length, opcode == IBV_WR_RDMA_READ ? Rights::read : Rights::write);
    const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(data) - hit_begin;
    if (at >= hit_size || length - 1 >= hit_size - at) [[unlikely]] {
      transfer_slow(opcode, offset, data, length, timeout, operation);
      return;
    }
    sge.addr = reinterpret_cast<std::uint64_t>(data);
    sge.length = static_cast<std::uint32_t>(length);
    sge.lkey = hit_lkey;
    wr.opcode = opcode;
    wr.wr.rdma.remote_addr = remote.address + offset;
    post(&wr, operation);
    complete(1, timeout, operation);
  }

  // Checked already. Empty requests end here; memory in a registered region is posted from where it
  // is (max_post at a time) and remembered for the next request; other memory goes through the
  // staging buffer, a megabyte at a time.
  [[gnu::noinline]] void transfer_slow(ibv_wr_opcode opcode, std::uint64_t offset, std::byte* data, std::size_t length,
                                       std::chrono::milliseconds timeout, const char* operation) {
    if (length == 0) return;
    const bool is_read = opcode == IBV_WR_RDMA_READ;
    if (const ibv_mr* mr = region_of(data, length)) {
      const auto begin = reinterpret_cast<std::uintptr_t>(mr->addr);
      hit_lkey = mr->lkey;
      if (mr->length <= max_post) {
        hit_begin = begin;
        hit_size = mr->length;
      } else {
        hit_begin = reinterpret_cast<std::uintptr_t>(data);
        hit_size = std::min<std::size_t>(max_post, begin + mr->length - hit_begin);
      }
      for (std::size_t at = 0; at < length; at += max_post) {
        post_one(opcode, offset + at, data + at, std::min(max_post, length - at), mr->lkey, timeout, operation);
      }
      return;
    }
    for (std::size_t at = 0; at < length; at += staging.size()) {
      const std::size_t n = std::min(staging.size(), length - at);
      if (!is_read) std::memcpy(staging.data(), data + at, n);
      post_one(opcode, offset + at, staging.data(), n, staging_mr->lkey, timeout, operation);
      if (is_read) std::memcpy(data + at, staging.data(), n);
    }
  }

  void post_one(ibv_wr_opcode opcode, std::uint64_t offset, std::byte* local_data, std::size_t length, std::uint32_t lkey,
                std::chrono::milliseconds timeout, const char* operation) {
    sge.addr = reinterpret_cast<std::uint64_t>(local_data);
    sge.length = static_cast<std::uint32_t>(length);
    sge.lkey = lkey;
    wr.opcode = opcode;
    wr.wr.rdma.remote_addr = remote.address + offset;
    run(&wr, 1, timeout, operation);
  }

  std::uint64_t atomic(bool swap, std::uint64_t offset, std::uint64_t compare_add, std::uint64_t value,
                       std::chrono::milliseconds timeout) {
    const char* operation = swap ? "rdma compare-and-swap" : "rdma fetch-and-add";
    check(operation, offset, 8, atomic_bound, Rights::atomic);
    if ((remote.address + offset) % 8 != 0) {
      throw Error(operation, fmt::format("{} [{}]", subject, hex(offset)), EINVAL, "atomics work on 8-byte aligned words");
    }
    ibv_sge atomic_sge{reinterpret_cast<std::uint64_t>(staging.data()), 8, staging_mr->lkey};
    ibv_send_wr atomic_wr{};
    atomic_wr.sg_list = &atomic_sge;
    atomic_wr.num_sge = 1;
    atomic_wr.opcode = swap ? IBV_WR_ATOMIC_CMP_AND_SWP : IBV_WR_ATOMIC_FETCH_AND_ADD;
    atomic_wr.wr.atomic.remote_addr = remote.address + offset;
    atomic_wr.wr.atomic.rkey = remote.key;
    atomic_wr.wr.atomic.compare_add = compare_add;
    atomic_wr.wr.atomic.swap = value;
    run(&atomic_wr, 1, timeout, operation);
    std::uint64_t before = 0;
    std::memcpy(&before, staging.data(), 8);
    return before;
  }
};

Connection::Connection(std::unique_ptr<State> state) : state_(std::move(state)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  auto s = std::make_unique<State>();
  s->subject = fmt::format("rdma {}:{}", host, port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count(), 1));
  };
  auto address = detail::resolve(host, port, false, EHOSTUNREACH, s->subject);
  s->channel = detail::make_event_channel(s->subject);
  rdma_cm_id* raw = nullptr;
  if (rdma_create_id(s->channel.get(), &raw, nullptr, RDMA_PS_TCP) != 0) throw_errno("rdma_create_id", s->subject);
  detail::CmId id(raw);
  detail::Event event{};
  if (rdma_resolve_addr(raw, nullptr, reinterpret_cast<sockaddr*>(&address), ms()) != 0) {
    const int err = errno;
    throw Error("rdma_resolve_addr", s->subject, err,
                err == ENODEV ? "no RDMA device on this machine (soft-RoCE: modprobe rdma_rxe; rdma link add)" : "");
  }
  expect_event(s->channel.get(), RDMA_CM_EVENT_ADDR_RESOLVED, deadline, s->subject, event);
  if (rdma_resolve_route(raw, ms()) != 0) throw_errno("rdma_resolve_route", s->subject);
  expect_event(s->channel.get(), RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, s->subject, event);
  detail::make_queue_pair(raw, s->pd, s->cq, s->subject);
  s->id = std::move(id);
  s->staging.resize(staging_bytes);
  s->staging_mr = detail::register_memory(s->pd.get(), s->staging.data(), s->staging.size(), IBV_ACCESS_LOCAL_WRITE,
                                          s->subject);
  rdma_conn_param parameters{};
  parameters.responder_resources = 8;
  parameters.initiator_depth = 8;
  parameters.retry_count = 7;
  parameters.rnr_retry_count = 7;
  if (rdma_connect(raw, &parameters) != 0) throw_errno("rdma_connect", s->subject);
  expect_event(s->channel.get(), RDMA_CM_EVENT_ESTABLISHED, deadline, s->subject, event);

  detail::Advertisement ad{};
  if (event.private_data_len < sizeof ad) {
    throw Error("rdma connect", s->subject, EPROTO, "the peer is not a mapio server (no region in its answer)");
  }
  std::memcpy(&ad, event.private_data, sizeof ad);
  // A region must fit in the address space: address + length (and the bound, length + 1) cannot wrap.
  if (ad.magic != detail::advertisement_magic || ad.rights == 0 || ad.rights > 7 ||
      ad.length >= std::numeric_limits<std::uint64_t>::max() - ad.address) {
    throw Error("rdma connect", s->subject, EPROTO, "the peer is not a mapio server (its answer is not a region)");
  }
  s->remote = RemoteRegion{ad.address, ad.length, ad.key, static_cast<Rights>(ad.rights)};
  s->prepare();
  return Connection(std::move(s));
}

const RemoteRegion& Connection::remote() const noexcept { return state_->remote; }

void Connection::read(std::uint64_t offset, std::span<std::byte> into, std::chrono::milliseconds timeout) {
  auto& s = *state_;
  s.transfer(IBV_WR_RDMA_READ, s.read_bound, offset, into.data(), into.size(), timeout, "rdma read");
}

void Connection::write(std::uint64_t offset, std::span<const std::byte> from, std::chrono::milliseconds timeout) {
  auto& s = *state_;
  s.transfer(IBV_WR_RDMA_WRITE, s.write_bound, offset, const_cast<std::byte*>(from.data()), from.size(), timeout,
             "rdma write");
}

std::uint64_t Connection::compare_and_swap(std::uint64_t offset, std::uint64_t expected, std::uint64_t desired,
                                           std::chrono::milliseconds timeout) {
  return state_->atomic(true, offset, expected, desired, timeout);
}

std::uint64_t Connection::fetch_and_add(std::uint64_t offset, std::uint64_t add, std::chrono::milliseconds timeout) {
  return state_->atomic(false, offset, add, 0, timeout);
}

void Connection::register_local(std::span<std::byte> local) {
  state_->local.push_back(detail::register_memory(state_->pd.get(), local.data(), local.size(), IBV_ACCESS_LOCAL_WRITE,
                                                  state_->subject + " (local memory)"));
}

void Connection::run_batch(std::span<const Transfer> transfers, std::chrono::milliseconds timeout) {
  auto& s = *state_;
  if (transfers.empty()) return;
  if (transfers.size() > 64) throw Error("rdma batch", s.subject, E2BIG, "a batch holds at most 64 transfers");
  std::vector<ibv_sge> sges(transfers.size());
  std::vector<ibv_send_wr> wrs(transfers.size());
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    const auto& t = transfers[i];
    const bool is_read = t.kind == Transfer::Kind::read;
    s.check(is_read ? "rdma read" : "rdma write", t.offset, t.local.size(), is_read ? s.read_bound : s.write_bound,
            is_read ? Rights::read : Rights::write);
    if (t.local.size() > State::max_post) {
      throw Error("rdma batch", s.subject, EINVAL, fmt::format("a batch's transfer moves at most {} bytes", State::max_post));
    }
    const ibv_mr* mr = s.region_of(t.local.data(), t.local.size());
    if (mr == nullptr) {
      throw Error("rdma batch", s.subject, EINVAL, "a batch's local memory must be given to register_local() first");
    }
    sges[i] = ibv_sge{reinterpret_cast<std::uint64_t>(t.local.data()), static_cast<std::uint32_t>(t.local.size()), mr->lkey};
    wrs[i].sg_list = &sges[i];
    wrs[i].num_sge = 1;
    wrs[i].opcode = is_read ? IBV_WR_RDMA_READ : IBV_WR_RDMA_WRITE;
    wrs[i].wr.rdma.remote_addr = s.remote.address + t.offset;
    wrs[i].wr.rdma.rkey = s.remote.key;
    wrs[i].next = i + 1 < transfers.size() ? &wrs[i + 1] : nullptr;
  }
  s.run(wrs.data(), wrs.size(), timeout, "rdma batch");
}

}  // namespace mapio::rdma
