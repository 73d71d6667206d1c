// vm_rdma_overhead HOST PORT COUNT: mapio's cost per operation over raw verbs, on one link.
//
// Connects twice to the same `mapio rdma serve`: once through mapio::rdma::Connection, once with
// plain rdmacm and ibverbs calls (the server answers any rdmacm peer with its region in the
// connection's private data), and times COUNT 8-byte RDMA READs each way, alternating rounds of
// 100 so that both see the same load. Each read goes into registered local memory, as in
// `mapio rdma bench`. Prints the median and mean latency of each and their ratios.
//
// Under callgrind (docs/benchmarks.md), raw_post() is the raw post path (the work request and
// ibv_post_send) and mapio_read() minus Connection's completion wait is mapio's.
#include <infiniband/verbs.h>
#include <netdb.h>
#include <rdma/rdma_cma.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"

using namespace std::chrono_literals;

namespace {

// What `mapio rdma serve` puts in the connection's private data (src/rdma/verbs.hpp).
struct Advertisement {
  std::uint64_t magic, address, length;
  std::uint32_t key, rights;
};

void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + " failed: " + std::strerror(errno));
}

rdma_cm_event_type next(rdma_event_channel* channel, Advertisement* ad = nullptr) {
  rdma_cm_event* event = nullptr;
  need(rdma_get_cm_event(channel, &event) == 0, "rdma_get_cm_event");
  const auto type = event->event;
  if (ad != nullptr && type == RDMA_CM_EVENT_ESTABLISHED && event->param.conn.private_data_len >= sizeof *ad) {
    std::memcpy(ad, event->param.conn.private_data, sizeof *ad);
  }
  rdma_ack_cm_event(event);
  return type;
}

struct Raw {
  rdma_event_channel* channel = nullptr;
  rdma_cm_id* id = nullptr;
  ibv_pd* pd = nullptr;
  ibv_cq* cq = nullptr;
  ibv_mr* mr = nullptr;
  Advertisement ad{};
};

Raw connect_raw(const char* host, const char* port, void* local, std::size_t size) {
  Raw r;
  addrinfo* address = nullptr;
  need(getaddrinfo(host, port, nullptr, &address) == 0, "getaddrinfo");
  r.channel = rdma_create_event_channel();
  need(r.channel != nullptr, "rdma_create_event_channel");
  need(rdma_create_id(r.channel, &r.id, nullptr, RDMA_PS_TCP) == 0, "rdma_create_id");
  need(rdma_resolve_addr(r.id, nullptr, address->ai_addr, 2000) == 0, "rdma_resolve_addr");
  freeaddrinfo(address);
  need(next(r.channel) == RDMA_CM_EVENT_ADDR_RESOLVED, "address resolution");
  need(rdma_resolve_route(r.id, 2000) == 0, "rdma_resolve_route");
  need(next(r.channel) == RDMA_CM_EVENT_ROUTE_RESOLVED, "route resolution");
  r.pd = ibv_alloc_pd(r.id->verbs);
  need(r.pd != nullptr, "ibv_alloc_pd");
  r.cq = ibv_create_cq(r.id->verbs, 16, nullptr, nullptr, 0);
  need(r.cq != nullptr, "ibv_create_cq");
  ibv_qp_init_attr attributes{};
  attributes.send_cq = r.cq;
  attributes.recv_cq = r.cq;
  attributes.qp_type = IBV_QPT_RC;
  attributes.cap.max_send_wr = 16;
  attributes.cap.max_recv_wr = 1;
  attributes.cap.max_send_sge = 1;
  attributes.cap.max_recv_sge = 1;
  attributes.sq_sig_all = 1;
  need(rdma_create_qp(r.id, r.pd, &attributes) == 0, "rdma_create_qp");
  const int access = IBV_ACCESS_LOCAL_WRITE;  // an int: the macro mixes two enumerations
  r.mr = ibv_reg_mr(r.pd, local, size, access);
  need(r.mr != nullptr, "ibv_reg_mr");
  rdma_conn_param parameters{};
  parameters.responder_resources = 8;
  parameters.initiator_depth = 8;
  parameters.retry_count = 7;
  parameters.rnr_retry_count = 7;
  need(rdma_connect(r.id, &parameters) == 0, "rdma_connect");
  need(next(r.channel, &r.ad) == RDMA_CM_EVENT_ESTABLISHED, "connection");
  return r;
}

// The raw post path: one work request, one ibv_post_send.
[[gnu::noinline]] void raw_post(const Raw& r, void* local, std::uint32_t length) {
  ibv_sge sge{reinterpret_cast<std::uint64_t>(local), length, r.mr->lkey};
  ibv_send_wr wr{};
  wr.sg_list = &sge;
  wr.num_sge = 1;
  wr.opcode = IBV_WR_RDMA_READ;
  wr.wr.rdma.remote_addr = r.ad.address;
  wr.wr.rdma.rkey = r.ad.key;
  ibv_send_wr* bad = nullptr;
  if (ibv_post_send(r.id->qp, &wr, &bad) != 0) throw std::runtime_error("ibv_post_send failed");
}

[[gnu::noinline]] void raw_complete(const Raw& r) {
  ibv_wc wc{};
  int n = 0;
  while ((n = ibv_poll_cq(r.cq, 1, &wc)) == 0) {
  }
  if (n < 0 || wc.status != IBV_WC_SUCCESS) throw std::runtime_error("raw read failed");
}

[[gnu::noinline]] void mapio_read(mapio::rdma::Connection& remote, std::span<std::byte> into) {
  remote.read(0, into, 5s);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 4) {
    std::fprintf(stderr, "usage: vm_rdma_overhead HOST PORT COUNT\n");
    return 2;
  }
  const int count = std::atoi(argv[3]);
  std::vector<std::byte> raw_local(4096), mapio_local(4096);
  Raw raw = connect_raw(argv[1], argv[2], raw_local.data(), raw_local.size());
  auto remote = mapio::rdma::Connection::connect(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])), 5s);
  remote.register_local(mapio_local);
  const auto into = std::span(mapio_local).first(8);
  // Each read timed on its own: the emulated machine stalls now and then for milliseconds, and
  // the medians say what an operation costs without those stalls.
  std::vector<double> raw_us, mapio_us;
  const auto micros = [](auto start) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  };
  for (int done = 0; done < count; done += 100) {
    for (int i = 0; i < 100; ++i) {
      const auto start = std::chrono::steady_clock::now();
      raw_post(raw, raw_local.data(), 8);
      raw_complete(raw);
      raw_us.push_back(micros(start));
    }
    for (int i = 0; i < 100; ++i) {
      const auto start = std::chrono::steady_clock::now();
      mapio_read(remote, into);
      mapio_us.push_back(micros(start));
    }
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  std::printf("8-byte READ x %zu: median raw verbs %.1f us, mapio %.1f us, ratio %.3f; mean raw %.1f us, mapio %.1f us, "
              "ratio %.3f\n",
              raw_us.size(), median(raw_us), median(mapio_us), median(mapio_us) / median(raw_us), mean(raw_us),
              mean(mapio_us), mean(mapio_us) / mean(raw_us));
  rdma_disconnect(raw.id);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "vm_rdma_overhead: %s\n", e.what());
  return 1;
}
