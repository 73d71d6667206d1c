// The TCP copy `mapio rdma bench` sets beside RDMA READ (tools/mapio/support/tcp_copy.hpp), over
// real sockets on the loopback interface: the bytes asked for arrive exactly, a range outside the
// region and a port nobody serves are named errors, and the server stops when destroyed.
#include <cerrno>
#include <chrono>
#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/error.hpp"
#include "tcp_copy.hpp"

namespace {

using namespace std::chrono_literals;

std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>((i * 131 + i / 251) & 0xff);
  return bytes;
}

TEST(TcpCopy, ReadsTheBytesAskedForExactly) {
  const auto region = pattern(3 << 20);
  mapio::cli::TcpCopyServer server(region, "127.0.0.1", 0);
  ASSERT_NE(server.port(), 0);
  mapio::cli::TcpCopyClient client("127.0.0.1", server.port(), 5s);
  for (const auto& [offset, size] : {std::pair<std::size_t, std::size_t>{0, 8}, {4093, 4096}, {1 << 20, 2 << 20},
                                    {region.size() - 1, 1}, {17, 0}}) {
    std::vector<std::byte> into(size, std::byte{0x5a});
    client.read(offset, into, 5s);
    EXPECT_TRUE(std::equal(into.begin(), into.end(), region.begin() + static_cast<std::ptrdiff_t>(offset)))
        << offset << " +" << size;
  }
}

TEST(TcpCopy, ARangeOutsideTheRegionIsANamedError) {
  const auto region = pattern(4096);
  mapio::cli::TcpCopyServer server(region, "127.0.0.1", 0);
  mapio::cli::TcpCopyClient client("127.0.0.1", server.port(), 5s);
  std::vector<std::byte> into(16);
  try {
    client.read(4090, into, 5s);
    FAIL() << "a read past the region's end succeeded";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), EPIPE) << e.what();
    EXPECT_NE(std::string(e.what()).find("tcp read"), std::string::npos) << e.what();
  }
}

TEST(TcpCopy, APortNobodyServesIsRefused) {
  std::uint16_t port = 0;
  {
    const auto region = pattern(64);
    mapio::cli::TcpCopyServer server(region, "127.0.0.1", 0);
    port = server.port();
  }  // stopped and closed: the port is free again
  try {
    mapio::cli::TcpCopyClient client("127.0.0.1", port, 2s);
    FAIL() << "connected to a port nobody serves";
  } catch (const mapio::Error& e) {
    EXPECT_EQ(e.errno_value(), ECONNREFUSED) << e.what();
  }
}

}  // namespace
