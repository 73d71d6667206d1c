// mapio::rdma where a machine has no RDMA device (this one, and most): every call says so in
// words instead of failing obscurely. Transfers themselves run over soft-RoCE in the QEMU guest
// (tests/vm/scenarios/rdma.*.sh).
#include "mapio/rdma/rdma.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "mapio/core/error.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;

bool machine_has_rdma() { return std::filesystem::exists("/sys/class/infiniband"); }

TEST(Rdma, RightsReadAsWords) {
  using mapio::rdma::Rights;
  EXPECT_EQ(mapio::rdma::to_string(Rights::read), "read");
  EXPECT_EQ(mapio::rdma::to_string(Rights::read | Rights::write | Rights::atomic), "read,write,atomic");
  EXPECT_EQ(mapio::rdma::to_string(Rights::none), "none");
  EXPECT_TRUE(mapio::rdma::allows(Rights::read | Rights::atomic, Rights::atomic));
  EXPECT_FALSE(mapio::rdma::allows(Rights::read, Rights::write));
}

TEST(Rdma, AMachineWithoutDevicesListsNone) {
  if (machine_has_rdma()) GTEST_SKIP() << "this machine has RDMA devices";
  EXPECT_TRUE(mapio::rdma::devices().empty());
}

TEST(Rdma, ConnectingWithoutADeviceIsANamedError) {
  if (machine_has_rdma()) GTEST_SKIP() << "this machine has RDMA devices";
  const auto e = mapio::test::error_of([] { mapio::rdma::Connection::connect("127.0.0.1", 7471, 500ms); });
  EXPECT_EQ(e.errno_value(), ENODEV) << e.what();
  EXPECT_NE(std::string(e.what()).find("127.0.0.1:7471"), std::string::npos) << e.what();
}

TEST(Rdma, ServingWithoutADeviceOrWithoutRightsIsANamedError) {
  std::vector<std::byte> region(4096);
  const auto none = mapio::test::error_of([&] { mapio::rdma::Server(region, mapio::rdma::Rights::none); });
  EXPECT_EQ(none.errno_value(), EINVAL) << none.what();
  if (machine_has_rdma()) return;
  const auto e = mapio::test::error_of([&] { mapio::rdma::Server(region, mapio::rdma::Rights::read); });
  EXPECT_EQ(e.errno_value(), ENODEV) << e.what();
}

TEST(Rdma, AnUnknownHostIsANamedError) {
  const auto e = mapio::test::error_of([] { mapio::rdma::Connection::connect("no-such-host.invalid", 7471, 500ms); });
  EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos) << e.what();
}

}  // namespace
