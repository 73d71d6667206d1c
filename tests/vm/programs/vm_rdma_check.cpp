// vm_rdma_check HOST PORT MODE: one-sided operations against a `mapio rdma serve` in the guest.
//   MODE full       the server was started with --write --atomic on a file whose first 64 KiB
//                   are known to the caller; checks READ, WRITE, CAS, FAA, a batch, and that
//                   out-of-range and unaligned requests are refused before posting while the
//                   connection stays usable. Prints one "ok NAME" line per check.
//   MODE hold S     connects, reads once, then keeps reading every 100 ms for S seconds and
//                   prints how the connection ended (the server is killed meanwhile).
//   MODE add N      N fetch-and-adds of 1 on the 8-byte word at offset 0 (another client does the
//                   same at once); prints "added N" and the smallest and largest value it saw
//                   before its own adds, which overlap the other client's when both ran together.
//   MODE cut MAILBOX_PORT MAILBOX_OFFSET
//                   reads 4 KiB at 32768, asks the server's machine to cut the served file to 0
//                   bytes (writes "cut" into the region served on MAILBOX_PORT at MAILBOX_OFFSET and
//                   waits for "cut" 16 bytes further), then reads the same 4 KiB and writes at 40960
//                   on the connection made before the cut, and tries a new connection. Prints what
//                   each did; exit 0 when the old connection still reads the old bytes and writes,
//                   and the new connection is refused.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mapio/core/error.hpp"
#include "mapio/rdma/rdma.hpp"

using namespace std::chrono_literals;

namespace {

int failures = 0;
void check(bool ok, const char* name, const std::string& detail = {}) {
  std::printf("%s %s%s%s\n", ok ? "ok" : "FAILED", name, detail.empty() ? "" : ": ", detail.c_str());
  if (!ok) ++failures;
}

template <class F>
int errno_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const mapio::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.errno_value();
  }
  return 0;
}

int full(mapio::rdma::Connection& remote) {
  check(remote.remote().length == 65536, "advertised-length", std::to_string(remote.remote().length));
  // WRITE then READ back through a registered (zero-copy) buffer.
  std::vector<std::byte> pattern(4096);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::byte>(i * 7 + 3);
  remote.write(16384, pattern, 2s);
  std::vector<std::byte> back(4096);
  remote.register_local(back);
  remote.read(16384, back, 2s);
  check(back == pattern, "write-read-back");

  // Atomics on the word at 0 (the caller zeroed the first 8 bytes).
  const auto old1 = remote.fetch_and_add(0, 5, 2s);
  const auto old2 = remote.fetch_and_add(0, 7, 2s);
  check(old1 == 0 && old2 == 5, "fetch-and-add", std::to_string(old1) + "," + std::to_string(old2));
  const auto failed_cas = remote.compare_and_swap(0, 999, 1, 2s);
  const auto done_cas = remote.compare_and_swap(0, 12, 42, 2s);
  std::uint64_t word = 0;
  remote.read(0, std::as_writable_bytes(std::span(&word, 1)), 2s);
  check(failed_cas == 12 && done_cas == 12 && word == 42, "compare-and-swap", std::to_string(word));

  // Refused before posting, and the connection still works afterwards.
  std::string message;
  std::vector<std::byte> buffer(100);
  check(errno_of([&] { remote.read(65500, buffer, 2s); }, &message) == ERANGE, "out-of-range-refused", message);
  check(errno_of([&] { remote.fetch_and_add(4, 1, 2s); }, &message) == EINVAL, "unaligned-atomic-refused", message);
  remote.read(16384, buffer, 2s);
  check(std::memcmp(buffer.data(), pattern.data(), buffer.size()) == 0, "usable-after-refusals");

  // A batch of reads into registered memory.
  std::vector<std::byte> a(512), b(512);
  remote.register_local(a);
  remote.register_local(b);
  const mapio::rdma::Connection::Transfer transfers[] = {
      {mapio::rdma::Connection::Transfer::Kind::read, 16384, a},
      {mapio::rdma::Connection::Transfer::Kind::read, 16384 + 512, b}};
  remote.run_batch(transfers, 2s);
  check(std::memcmp(a.data(), pattern.data(), 512) == 0 && std::memcmp(b.data(), pattern.data() + 512, 512) == 0,
        "batch");
  return failures == 0 ? 0 : 1;
}

int hold(mapio::rdma::Connection& remote, int seconds) {
  std::vector<std::byte> buffer(64);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::printf("connected\n");
  std::fflush(stdout);
  while (std::chrono::steady_clock::now() < until) {
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    const int err = errno_of([&] { remote.read(0, buffer, 3s); }, &message);
    if (err != 0) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::printf("ended errno=%d after %lld ms: %s\n", err, static_cast<long long>(ms.count()), message.c_str());
      return 0;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::printf("still connected after %d s\n", seconds);
  return 1;
}

int add(mapio::rdma::Connection& remote, int count) {
  std::uint64_t low = UINT64_MAX, high = 0;
  for (int i = 0; i < count; ++i) {
    const auto before = remote.fetch_and_add(0, 1, 5s);
    low = std::min(low, before);
    high = std::max(high, before);
  }
  std::printf("added %d, saw %llu..%llu\n", count, static_cast<unsigned long long>(low),
              static_cast<unsigned long long>(high));
  return 0;
}

int across_cut(mapio::rdma::Connection& remote, const std::string& host, std::uint16_t port,
               std::uint16_t mailbox_port, std::uint64_t mailbox) {
  std::vector<std::byte> before(4096), after(4096);
  remote.read(32768, before, 5s);
  auto box = mapio::rdma::Connection::connect(host, mailbox_port, 5s);
  const char request[8] = {'c', 'u', 't', ' ', ' ', ' ', ' ', ' '};
  box.write(mailbox, std::as_bytes(std::span(request)), 5s);
  bool acknowledged = false;
  for (int i = 0; i < 300 && !acknowledged; ++i) {
    char answer[3] = {};
    box.read(mailbox + 16, std::as_writable_bytes(std::span(answer)), 5s);
    acknowledged = std::memcmp(answer, "cut", 3) == 0;
    if (!acknowledged) std::this_thread::sleep_for(100ms);
  }
  check(acknowledged, "cut-acknowledged");
  std::string message;
  const int read_errno = errno_of([&] { remote.read(32768, after, 5s); }, &message);
  check(read_errno == 0 && after == before, "read-after-cut-returns-old-bytes",
        read_errno != 0 ? message : (after == before ? "the same 4096 bytes" : "other bytes"));
  const char text[] = "after the cut";
  const int write_errno = errno_of([&] { remote.write(40960, std::as_bytes(std::span(text)), 5s); }, &message);
  check(write_errno == 0, "write-after-cut-completes", write_errno != 0 ? message : "");
  const int connect_errno = errno_of([&] { (void)mapio::rdma::Connection::connect(host, port, 5s); }, &message);
  check(connect_errno == ECONNREFUSED, "new-connection-refused", message);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 4) {
    std::fprintf(stderr, "usage: vm_rdma_check HOST PORT full | hold SECONDS | add COUNT | cut MAILBOX_PORT MAILBOX_OFFSET\n");
    return 2;
  }
  auto remote = mapio::rdma::Connection::connect(argv[1], static_cast<std::uint16_t>(std::stoi(argv[2])), 5s);
  const std::string mode = argv[3];
  if (mode == "full") return full(remote);
  if (mode == "hold" && argc == 5) return hold(remote, std::stoi(argv[4]));
  if (mode == "add" && argc == 5) return add(remote, std::stoi(argv[4]));
  if (mode == "cut" && argc == 6) {
    return across_cut(remote, argv[1], static_cast<std::uint16_t>(std::stoi(argv[2])),
                      static_cast<std::uint16_t>(std::stoi(argv[4])), std::stoull(argv[5]));
  }
  return 2;
} catch (const mapio::Error& e) {
  std::printf("error errno=%d: %s\n", e.errno_value(), e.what());
  return 1;
}
