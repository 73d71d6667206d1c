// `mapio rdma`: RDMA devices, and a file or shared-memory object served to other machines and
// reached from them with one-sided READ and WRITE (mapio::rdma on rdma-core).
//
//   mapio rdma devices [--json]
//   mapio rdma serve PATH|/SHM_NAME [--write] [--atomic] [--port P] [--address A] [--for S] [--tcp-port T]
//   mapio rdma read HOST[:PORT] OFFSET LENGTH [-o FILE]
//   mapio rdma write HOST[:PORT] OFFSET < DATA
//   mapio rdma bench HOST[:PORT] [--tcp-port T]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/core/syscall.hpp"
#include "mapio/rdma/rdma.hpp"
#include "tcp_copy.hpp"
#include "json_text.hpp"

namespace mapio::cli {
namespace {

using namespace std::chrono_literals;

struct Options {
  bool json = false;
  std::string target;      // PATH or /SHM_NAME for serve, HOST[:PORT] otherwise
  std::string offset, length, output;
  bool write = false, atomic = false;
  std::uint16_t port = 7471;
  std::uint16_t tcp_port = 0;  // serve: also over TCP; bench: compare with a TCP copy (0 = neither)
  std::string address = "0.0.0.0";
  double seconds = 0;      // serve: 0 = until SIGINT/SIGTERM
  double timeout = 5;
};

std::pair<std::string, std::uint16_t> host_and_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || text.find(':') != colon) return {text, 7471};  // IPv6 literals keep their colons
  const auto port = parse_number(text.substr(colon + 1), "port");
  if (port == 0 || port > 65535) throw ArgumentError(fmt::format("bad port '{}': use 1 to 65535", text.substr(colon + 1)));
  return {text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::chrono::milliseconds timeout_of(const Options& o) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout * 1000));
}

void write_out(std::FILE* out, const std::string& text, const std::string& where) {
  if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0) {
    throw Error("write", where, errno);
  }
}

int devices(const Options& o) {
  const auto all = rdma::devices();
  std::string out;
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& d : all) {
      nlohmann::ordered_json ports = nlohmann::ordered_json::array();
      for (const auto& p : d.ports) {
        ports.push_back({{"port", p.number}, {"state", p.state}, {"link_layer", p.link_layer}, {"mtu", p.mtu},
                         {"gids", p.gids}});
      }
      list.push_back({{"name", d.name}, {"node_guid", d.node_guid}, {"ports", std::move(ports)}});
    }
    out = json_text(list);
  } else if (all.empty()) {
    out = "no RDMA devices (for soft-RoCE: modprobe rdma_rxe; rdma link add rxe0 type rxe netdev IFACE)\n";
  } else {
    for (const auto& d : all) {
      out += fmt::format("{}  node {}\n", d.name, d.node_guid);
      for (const auto& p : d.ports) {
        out += fmt::format("  port {}: {}, {}, mtu {}\n", p.number, p.state, p.link_layer, p.mtu);
        for (const auto& gid : p.gids) out += fmt::format("    gid {}\n", gid);
      }
    }
  }
  write_out(stdout, out, "standard output");
  return 0;
}

// Serves until SIGINT, SIGTERM or --for: the loop checks for the signals between two serve()
// calls, so the caller's teardown always runs.
void serve_until_stopped(rdma::Server& server, const Options& o, rdma::Rights rights) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  write_out(stdout,
            fmt::format("serving {} ({} bytes, {}) on {}:{}\n", o.target, server.size(), rdma::to_string(rights),
                        o.address, server.port()),
            "standard output");
  const auto until = std::chrono::steady_clock::now() +
                     (o.seconds > 0 ? std::chrono::milliseconds(static_cast<std::int64_t>(o.seconds * 1000))
                                    : std::chrono::hours(24 * 365 * 10));
  while (std::chrono::steady_clock::now() < until) {
    server.serve(100ms);
    if (const auto why = server.take_refusal(); !why.empty()) std::fprintf(stderr, "mapio rdma serve: refused a peer: %s\n", why.c_str());
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM)) break;
  }
}

int serve(const Options& o) {
  rdma::Rights rights = rdma::Rights::read;
  if (o.write) rights = rights | rdma::Rights::write;
  if (o.atomic) rights = rights | rdma::Rights::atomic;
  const bool writable = o.write || o.atomic;
  // Read-only serving maps copy-on-write: the object itself can never change through it, and the
  // kernel's registration (which pins pages for writing on Linux before 6.2) accepts it. Peers
  // then read the object as it was when they connected.
  const Access access = writable ? Access::read_write : Access::copy_on_write;
  const rdma::ListenOptions listen{o.address, o.port, 8};
  const bool shared_memory = o.target.starts_with("/") && o.target.find('/', 1) == std::string::npos;
  // The server owns the mapping: its memory region is deregistered before the mapping goes. The
  // TCP copy reads the same bytes and stops first (it is declared after the server).
  const auto run = [&](auto mapping) {
    const std::span<const std::byte> bytes = mapping.bytes();  // the mapping moves; its memory does not
    auto server = rdma::Server::expose(std::move(mapping), rights, listen);
    std::unique_ptr<TcpCopyServer> tcp;
    if (o.tcp_port != 0) {
      tcp = std::make_unique<TcpCopyServer>(bytes, o.address, o.tcp_port);
      write_out(stdout, fmt::format("serving {} over TCP on {}:{}\n", o.target, o.address, tcp->port()),
                "standard output");
    }
    serve_until_stopped(server, o, rights);
  };
  if (shared_memory) {
    run(SharedMemory::open(o.target, access));
  } else {
    run(MappedFile::open(o.target, FileOptions().access(access)));
  }
  // Remote writes land in pinned pages behind the page cache's back; the kernel marks those pages
  // dirty only when the region is deregistered (just above, with the server). Writing the file
  // back before that could miss them, so the flush comes now, once nobody can write. Through a
  // descriptor: the file may have been cut meanwhile, and an empty file cannot be mapped.
  if (writable && !shared_memory) {
    const auto file = FileDescriptor::open(o.target, O_RDONLY);
    if (::fdatasync(file.get()) != 0) throw_errno("fdatasync", o.target);
    write_out(stdout, fmt::format("flushed {}\n", o.target), "standard output");
  }
  return 0;
}

int read(const Options& o) {
  const auto [host, port] = host_and_port(o.target);
  const auto offset = parse_number(o.offset, "offset");
  const auto length = parse_size(o.length);
  auto remote = rdma::Connection::connect(host, port, timeout_of(o));
  if (offset > remote.remote().length || length > remote.remote().length - offset) {
    throw Error("rdma read", fmt::format("{} [{}, +{}]", o.target, hex(offset), length), ERANGE,
                fmt::format("the server exposes {} bytes", remote.remote().length));
  }
  std::vector<std::byte> buffer(length);
  remote.read(offset, buffer, timeout_of(o));
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!o.output.empty()) {
    file.reset(std::fopen(o.output.c_str(), "wbe"));
    if (!file) throw_errno("open", o.output);
    out = file.get();
  }
  write_out(out, std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size()),
            o.output.empty() ? "standard output" : o.output);
  return 0;
}

int write(const Options& o) {
  const auto [host, port] = host_and_port(o.target);
  const auto offset = parse_number(o.offset, "offset");
  auto remote = rdma::Connection::connect(host, port, timeout_of(o));
  if (offset > remote.remote().length) {
    throw Error("rdma write", fmt::format("{} [{}]", o.target, hex(offset)), ERANGE,
                fmt::format("the server exposes {} bytes", remote.remote().length));
  }
  // Read standard input with a bound: one byte more than fits tells that it does not fit.
  const std::uint64_t room = remote.remote().length - offset;
  std::vector<std::byte> data;
  std::byte chunk[65536];
  for (;;) {
    const ssize_t n = sys::read(STDIN_FILENO, chunk);
    if (n < 0) throw_errno("read", "standard input");
    if (n == 0) break;
    data.insert(data.end(), chunk, chunk + n);
    if (data.size() > room) {
      throw Error("rdma write", fmt::format("{} [{}]", o.target, hex(offset)), EFBIG,
                  fmt::format("standard input holds more than the {} bytes from this offset to the region's end; "
                              "nothing was written",
                              room));
    }
  }
  remote.write(offset, data, timeout_of(o));
  return 0;
}

// The median and mean of `count` calls of `read` (each timed on its own: the median is what one
// operation costs, the mean includes the stalls of a busy or emulated machine, as perftest's
// t_typical and t_avg), and the bandwidth the mean gives for `size` bytes.
template <class Read>
std::string timed(std::size_t size, int count, Read&& read) {
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    read();
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  double total = 0;
  for (const double m : micros) total += m;
  std::nth_element(micros.begin(), micros.begin() + count / 2, micros.end());
  const double mean = total / count;
  return fmt::format("  {:>12.2f}  {:>12.2f}  {:>12.1f}", micros[static_cast<std::size_t>(count / 2)], mean,
                     static_cast<double>(size) / mean);
}

int bench(const Options& o) {
  const auto [host, port] = host_and_port(o.target);
  auto remote = rdma::Connection::connect(host, port, timeout_of(o));
  std::vector<std::byte> local(std::min<std::uint64_t>(remote.remote().length, std::uint64_t{1} << 20));
  remote.register_local(local);
  // The same bytes over plain TCP on the same link, with --tcp-port (`mapio rdma serve --tcp-port`).
  std::unique_ptr<TcpCopyClient> tcp;
  if (o.tcp_port != 0) tcp = std::make_unique<TcpCopyClient>(host, o.tcp_port, timeout_of(o));
  std::string out = fmt::format("{:>8}  {:>12}  {:>12}  {:>12}", "bytes", "median µs", "mean µs", "read MB/s");
  if (tcp) out += fmt::format("  {:>12}  {:>12}  {:>12}", "tcp median µs", "tcp mean µs", "tcp MB/s");
  out += "\n";
  for (std::size_t size = 8; size <= local.size(); size *= 8) {
    const int count = size <= 4096 ? 2000 : 200;
    const auto into = std::span(local).first(size);
    out += fmt::format("{:>8}", size) + timed(size, count, [&] { remote.read(0, into, timeout_of(o)); });
    if (tcp) out += timed(size, count, [&] { tcp->read(0, into, timeout_of(o)); });
    out += "\n";
  }
  write_out(stdout, out, "standard output");
  return 0;
}

Registration verb{"rdma", "Serve a file or shared memory over RDMA, and read or write one that is served", [](CLI::App& app) -> Runner {
  auto o = std::make_shared<Options>();
  app.require_subcommand(1);
  auto* list = app.add_subcommand("devices", "RDMA devices, ports, GIDs and states");
  list->add_flag("--json", o->json, "Print JSON");
  auto* srv = app.add_subcommand("serve", "Serve PATH (a file) or /NAME (POSIX shared memory) until SIGINT/SIGTERM");
  srv->add_option("target", o->target, "A file, or /NAME for shared memory")->required();
  srv->add_flag("--write", o->write, "Let peers write (maps the object read-write)");
  srv->add_flag("--atomic", o->atomic, "Let peers do atomics (compare-and-swap, fetch-and-add)");
  srv->add_option("--port", o->port, "Port to listen on (default 7471)");
  srv->add_option("--address", o->address, "Local address to bind (default all)");
  srv->add_option("--for", o->seconds, "Stop after this many seconds (default: until a signal)");
  srv->add_option("--tcp-port", o->tcp_port, "Also serve the bytes over plain TCP on this port (for bench --tcp-port)");
  auto* rd = app.add_subcommand("read", "Read LENGTH bytes at OFFSET of a served region");
  rd->add_option("host", o->target, "HOST[:PORT]")->required();
  rd->add_option("offset", o->offset, "Byte offset")->required();
  rd->add_option("length", o->length, "Bytes to read")->required();
  rd->add_option("-o,--output", o->output, "Write to FILE instead of standard output");
  auto* wr = app.add_subcommand("write", "Write standard input at OFFSET of a served region");
  wr->add_option("host", o->target, "HOST[:PORT]")->required();
  wr->add_option("offset", o->offset, "Byte offset")->required();
  auto* bn = app.add_subcommand("bench", "READ latency and bandwidth by size against a served region (and a TCP copy)");
  bn->add_option("host", o->target, "HOST[:PORT]")->required();
  bn->add_option("--tcp-port", o->tcp_port, "Also time a TCP copy of the same bytes from serve --tcp-port on this port");
  for (auto* sub : {rd, wr, bn}) sub->add_option("--timeout", o->timeout, "Seconds to wait for each step (default 5)");
  return [o, list, srv, rd, wr, bn] {
    if (list->parsed()) return devices(*o);
    if (srv->parsed()) return serve(*o);
    if (rd->parsed()) return read(*o);
    if (wr->parsed()) return write(*o);
    if (bn->parsed()) return bench(*o);
    return usage_error_status;
  };
}};

}  // namespace
}  // namespace mapio::cli
