// How a failed work completion reaches the caller: which statuses mean the peer is gone (EPIPE)
// and which are plain I/O errors, with the verbs library's words kept. No device needed.
#include <gtest/gtest.h>

#include <string>

#include "mapio/core/error.hpp"
#include "rdma/verbs.hpp"

namespace {

using mapio::rdma::detail::completion_error;

TEST(RdmaCompletion, APeerThatWentAwayIsABrokenPipe) {
  for (const auto status : {IBV_WC_RETRY_EXC_ERR, IBV_WC_RNR_RETRY_EXC_ERR, IBV_WC_WR_FLUSH_ERR}) {
    const auto error = completion_error(status, "rdma read", "rdma 10.0.3.1:7471");
    EXPECT_EQ(error.errno_value(), EPIPE) << ibv_wc_status_str(status);
    const std::string what = error.what();
    EXPECT_NE(what.find(ibv_wc_status_str(status)), std::string::npos) << what;
    EXPECT_NE(what.find("the peer went away"), std::string::npos) << what;
    EXPECT_NE(what.find("rdma 10.0.3.1:7471"), std::string::npos) << what;
  }
}

TEST(RdmaCompletion, ARemoteAccessErrorIsARevokedRegion) {
  // mapio checks bounds and rights before posting: the key being gone is the one cause left.
  const auto error = completion_error(IBV_WC_REM_ACCESS_ERR, "rdma write", "rdma 10.0.3.1:7471");
  EXPECT_EQ(error.errno_value(), EPIPE);
  const std::string what = error.what();
  EXPECT_NE(what.find("rdma write"), std::string::npos) << what;
  EXPECT_NE(what.find("revoked the region"), std::string::npos) << what;
}

TEST(RdmaCompletion, OtherFailuresAreIoErrorsInTheLibrarysWords) {
  for (const auto status : {IBV_WC_LOC_PROT_ERR, IBV_WC_LOC_LEN_ERR, IBV_WC_REM_OP_ERR, IBV_WC_GENERAL_ERR}) {
    const auto error = completion_error(status, "rdma read", "rdma h:1");
    EXPECT_EQ(error.errno_value(), EIO) << ibv_wc_status_str(status);
    const std::string what = error.what();
    EXPECT_NE(what.find(ibv_wc_status_str(status)), std::string::npos) << what;
    EXPECT_EQ(what.find("went away"), std::string::npos) << what;
    EXPECT_EQ(what.find("revoked"), std::string::npos) << what;
  }
}

}  // namespace
