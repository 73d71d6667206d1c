// rdma_counter: a page of memory that another machine changes without this machine's CPU.
//
//   rdma_counter serve [PORT]          serve 4 KiB of anonymous memory (default port 7471)
//   rdma_counter client HOST [PORT]    write a note into it, read it back, bump its counter
//
// The page holds a counter (offset 0), a stop word (offset 8) and a note (offset 64). The server
// grants remote read, write and atomics, then only waits: every change is an RDMA WRITE or atomic
// from the client, landing in the page directly. The client ends the run by swapping the stop word
// from 0 to 1, which the server sees in its own memory and then prints what the page holds.
//
// A machine needs an RDMA device (an adapter, or soft-RoCE on an Ethernet interface:
// `modprobe rdma_rxe; rdma link add rxe0 type rxe netdev eth0`). Without one, both sides stop with
// mapio's error (ENODEV) and exit status 1.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <mapio/core/error.hpp>
#include <mapio/core/mapping.hpp>
#include <mapio/rdma/rdma.hpp>

namespace {

using namespace std::chrono_literals;
using mapio::rdma::Rights;

constexpr std::uint64_t counter_at = 0;
constexpr std::uint64_t stop_at = 8;
constexpr std::uint64_t note_at = 64;
constexpr std::size_t page_size = 4096;

std::uint16_t port_of(const char* text) {
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (*end != '\0' || value == 0 || value > 65535) {
    std::fprintf(stderr, "not a port: %s\n", text);
    std::exit(2);
  }
  return static_cast<std::uint16_t>(value);
}

int serve(std::uint16_t port) {
  // The memory is declared before the server, so it is unmapped after the server is gone: by then
  // every peer is disconnected and the region deregistered. (Server::expose(mapping, ...) makes
  // the server own the mapping instead, for code that has no use for it after handing it over.)
  auto page = mapio::Mapping::anonymous(page_size, mapio::Sharing::shared);
  std::span<std::byte> bytes = page.writable_bytes();
  mapio::rdma::Server server(bytes, Rights::read | Rights::write | Rights::atomic, {.port = port});
  std::printf("serving %zu bytes (%s) on port %u\n", server.size(), mapio::rdma::to_string(server.rights()).c_str(),
              server.port());
  std::fflush(stdout);

  // The client's atomics change these words behind the compiler's back: read them as atomics.
  auto word = [&](std::uint64_t offset) {
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(bytes.data() + offset))
        .load(std::memory_order_acquire);
  };
  while (word(stop_at) == 0) {
    server.serve(200ms);
    if (const auto refusal = server.take_refusal(); !refusal.empty()) std::fprintf(stderr, "refused a peer: %s\n", refusal.c_str());
  }
  const char* note = reinterpret_cast<const char*>(bytes.data() + note_at);
  std::printf("stopped by the client: counter %llu, note \"%.*s\"\n", static_cast<unsigned long long>(word(counter_at)),
              static_cast<int>(strnlen(note, page_size - note_at)), note);
  return 0;
}

int client(const std::string& host, std::uint16_t port) {
  auto remote = mapio::rdma::Connection::connect(host, port, 2s);
  std::printf("connected to %s:%u: %llu bytes, %s\n", host.c_str(), port,
              static_cast<unsigned long long>(remote.remote().length), mapio::rdma::to_string(remote.remote().rights).c_str());

  // RDMA WRITE, then RDMA READ of the same bytes.
  constexpr std::string_view note = "hello over RDMA";
  remote.write(note_at, std::as_bytes(std::span(note)), 1s);
  char back[note.size()] = {};
  remote.read(note_at, std::as_writable_bytes(std::span(back)), 1s);
  std::printf("wrote and read back \"%.*s\"\n", static_cast<int>(sizeof back), back);

  // Fetch-and-add: each returns the value before, as another client would see it too.
  for (int i = 0; i < 3; ++i) {
    const auto before = remote.fetch_and_add(counter_at, 1, 1s);
    std::printf("counter was %llu, now %llu\n", static_cast<unsigned long long>(before),
                static_cast<unsigned long long>(before + 1));
  }

  // Compare-and-swap the stop word from 0 to 1: the server notices and ends.
  const auto was = remote.compare_and_swap(stop_at, 0, 1, 1s);
  std::puts(was == 0 ? "asked the server to stop" : "the server was already asked to stop");

  // A request outside the page is refused here, before anything reaches the network.
  try {
    remote.fetch_and_add(page_size, 1, 1s);
  } catch (const mapio::Error& e) {
    std::printf("refused locally: %s\n", e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (!((mode == "serve" && argc <= 3) || (mode == "client" && (argc == 3 || argc == 4)))) {
    std::fprintf(stderr, "usage: %s serve [PORT]\n       %s client HOST [PORT]\n", argv[0], argv[0]);
    return 2;
  }
  try {
    if (mode == "serve") return serve(argc == 3 ? port_of(argv[2]) : 7471);
    return client(argv[2], argc == 4 ? port_of(argv[3]) : 7471);
  } catch (const mapio::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
