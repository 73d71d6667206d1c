#include <arpa/inet.h>
#include <infiniband/verbs.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"

namespace mapio::rdma {
namespace {

struct DeviceListDelete {
  void operator()(ibv_device** list) const noexcept { ibv_free_device_list(list); }
};
struct ContextDelete {
  void operator()(ibv_context* c) const noexcept { ibv_close_device(c); }
};

std::string gid_text(const ibv_gid& gid) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, gid.raw, text, sizeof text);
  return text;
}

unsigned mtu_bytes(ibv_mtu mtu) {
  switch (mtu) {
    case IBV_MTU_256: return 256;
    case IBV_MTU_512: return 512;
    case IBV_MTU_1024: return 1024;
    case IBV_MTU_2048: return 2048;
    case IBV_MTU_4096: return 4096;
  }
  return 0;
}

}  // namespace

std::string to_string(Rights rights) {
  std::string out;
  for (const auto& [bit, name] : {std::pair{Rights::read, "read"}, {Rights::write, "write"}, {Rights::atomic, "atomic"}}) {
    if (allows(rights, bit)) out += out.empty() ? name : fmt::format(",{}", name);
  }
  return out.empty() ? "none" : out;
}

std::vector<DeviceInfo> devices() {
  int count = 0;
  errno = 0;
  std::unique_ptr<ibv_device*, DeviceListDelete> list(ibv_get_device_list(&count));
  if (!list) {
    // ENOSYS: the kernel has no verbs support at all, which is a machine without RDMA.
    if (errno == ENOSYS) return {};
    throw_errno("ibv_get_device_list", "RDMA devices");
  }
  std::vector<DeviceInfo> out;
  for (int i = 0; i < count; ++i) {
    ibv_device* device = list.get()[i];
    DeviceInfo info;
    info.name = ibv_get_device_name(device);
    info.node_guid = fmt::format("{:016x}", be64toh(ibv_get_device_guid(device)));
    std::unique_ptr<ibv_context, ContextDelete> context(ibv_open_device(device));
    if (!context) throw_errno("ibv_open_device", info.name);
    ibv_device_attr attributes{};
    if (const int err = ibv_query_device(context.get(), &attributes); err != 0) {
      throw Error("ibv_query_device", info.name, err);
    }
    for (unsigned port = 1; port <= attributes.phys_port_cnt; ++port) {
      ibv_port_attr port_attributes{};
      if (const int err = ibv_query_port(context.get(), static_cast<std::uint8_t>(port), &port_attributes); err != 0) {
        throw Error("ibv_query_port", fmt::format("{} port {}", info.name, port), err);
      }
      PortInfo p;
      p.number = port;
      p.state = ibv_port_state_str(port_attributes.state);
      p.link_layer = port_attributes.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" : "InfiniBand";
      p.mtu = mtu_bytes(port_attributes.active_mtu);
      // The table is bounded by the port's own gid_tbl_len; unused entries read as zeros.
      for (int index = 0; index < port_attributes.gid_tbl_len && index < 256; ++index) {
        ibv_gid gid{};
        if (ibv_query_gid(context.get(), static_cast<std::uint8_t>(port), index, &gid) != 0) break;
        static constexpr std::uint8_t zero[16] = {};
        if (std::memcmp(gid.raw, zero, sizeof zero) != 0) p.gids.push_back(gid_text(gid));
      }
      info.ports.push_back(std::move(p));
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace mapio::rdma
