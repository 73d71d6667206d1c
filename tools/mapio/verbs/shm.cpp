// `mapio shm`: the machine's shared memory objects, and POSIX ones made and removed by name.
//
//     mapio shm                       # POSIX objects (/dev/shm) and memfds, with sizes, seals, holders,
//                                     # and which of them are mapio channels
//     mapio shm --json
//     mapio shm create /name 1M       # shm_open(O_CREAT | O_EXCL) + ftruncate; stays until removed
//     mapio shm rm /name ...          # shm_unlink
//
// Memfds have no directory; they show in the /proc/<pid>/fd of the processes that hold them, so a
// memfd held only by another user's process is listed only for root.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "command.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/ipc/probe.hpp"
#include "json_text.hpp"

namespace mapio::cli {
namespace {

struct ShmArgs {
  bool json = false;
  std::string create_name;
  std::string create_size;
  std::string create_mode = "0600";
  std::vector<std::string> remove_names;
};

std::string seal_names(const SharedMemoryObject& o) {
  if (o.kind != SharedMemoryObject::Kind::memfd) return "";
  if (!o.seals_known) return "?";
  static constexpr std::pair<Seal, const char*> names[] = {{Seal::seal, "seal"},   {Seal::shrink, "shrink"},
                                                           {Seal::grow, "grow"},   {Seal::write, "write"},
                                                           {Seal::future_write, "future_write"}};
  std::vector<std::string> words;
  for (const auto& [seal, name] : names) {
    if (has(o.seals, seal)) words.emplace_back(name);
  }
  return words.empty() ? "none" : fmt::format("{}", fmt::join(words, ","));
}

std::string holder_list(const SharedMemoryObject& o) {
  std::vector<std::string> words;
  for (const auto& h : o.holders) words.push_back(fmt::format("{}({}):fd{}", h.pid, h.command, h.fd));
  return words.empty() ? "-" : fmt::format("{}", fmt::join(words, " "));
}

// Whether the object is a mapio channel, from its header read through a path (a memfd through a
// holder's /proc/PID/fd): never mapped, so a hostile or shrinking file cannot hurt the listing.
std::optional<ipc::ChannelProbe> probe(const SharedMemoryObject& o) {
  if (o.kind == SharedMemoryObject::Kind::posix) return o.unlinked ? std::nullopt : ipc::probe_channel("/dev/shm" + o.name);
  for (const auto& h : o.holders) {
    if (auto found = ipc::probe_channel(fmt::format("/proc/{}/fd/{}", h.pid, h.fd))) return found;
  }
  return std::nullopt;
}

std::string channel_word(const std::optional<ipc::ChannelProbe>& channel) {
  if (!channel) return "-";
  if (!channel->problem.empty()) return "damaged";
  return fmt::format("ring={}", human_size(channel->capacity));
}

int list(const ShmArgs& args) {
  const auto objects = list_shared_memory();
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& o : objects) {
      nlohmann::ordered_json holders = nlohmann::ordered_json::array();
      for (const auto& h : o.holders) holders.push_back({{"pid", h.pid}, {"fd", h.fd}, {"command", h.command}});
      nlohmann::ordered_json one = {{"kind", o.kind == SharedMemoryObject::Kind::memfd ? "memfd" : "posix"},
                                    {"name", o.name},
                                    {"size", o.size},
                                    {"inode", o.inode}};
      if (o.kind == SharedMemoryObject::Kind::memfd) {
        one["seals"] = o.seals_known ? nlohmann::ordered_json(static_cast<unsigned>(o.seals)) : nlohmann::ordered_json();
        one["seal_names"] = seal_names(o);
      } else {
        one["unlinked"] = o.unlinked;
      }
      if (const auto channel = probe(o)) {
        one["channel"] = {{"version", channel->version},
                          {"capacity", channel->capacity},
                          {"problem", channel->problem.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(channel->problem)}};
      } else {
        one["channel"] = nullptr;
      }
      one["holders"] = holders;
      out.push_back(one);
    }
    fmt::print("{}", json_text(out));
    return 0;
  }
  if (objects.empty()) {
    fmt::print("no shared memory objects (none in /dev/shm, no memfd open in a process this user can see)\n");
    return 0;
  }
  std::string text =
      fmt::format("{:<6} {:<32} {:>10}  {:<18} {:<14} {}\n", "kind", "name", "size", "seals", "channel", "held by");
  for (const auto& o : objects) {
    const bool memfd = o.kind == SharedMemoryObject::Kind::memfd;
    text += fmt::format("{:<6} {:<32} {:>10}  {:<18} {:<14} {}\n", memfd ? "memfd" : "posix",
                        o.unlinked ? o.name + " (unlinked)" : o.name, human_size(o.size),
                        memfd ? seal_names(o) : "-", channel_word(probe(o)), holder_list(o));
  }
  fmt::print("{}", text);
  return 0;
}

// A name as shm_open(3) takes it, checked before any object is made or removed: a name that is not
// one is a usage error, not a failure of the operation.
void check_name_argument(const std::string& name) {
  parse_with("name", name, [&] { SharedMemory::check_name(name); });
}

int create(const ShmArgs& args) {
  check_name_argument(args.create_name);
  const std::uint64_t size = parse_size(args.create_size);
  const auto bad_mode = [&] { return ArgumentError(fmt::format("bad mode '{}': permission bits in octal, 0 to 7777", args.create_mode)); };
  std::uint64_t mode = 0;
  try {
    mode = parse_number("0" + args.create_mode, "mode");  // octal, with or without the leading 0
  } catch (const ArgumentError&) {
    throw bad_mode();
  }
  if (mode > 07777) throw bad_mode();
  auto object = SharedMemory::create(args.create_name, static_cast<std::size_t>(size), static_cast<unsigned>(mode));
  fmt::print("created {} ({})\n", args.create_name, human_size(object.size()));
  return 0;
}

int remove(const ShmArgs& args) {
  for (const auto& name : args.remove_names) check_name_argument(name);  // all of them, before removing one
  int status = 0;
  for (const auto& name : args.remove_names) {
    try {
      SharedMemory::unlink(name);
    } catch (const Error& e) {
      fmt::print(stderr, "mapio shm: {}\n", e.what());
      status = 1;
    }
  }
  return status;
}

Registration shm{"shm", "List shared memory objects (POSIX and memfd) with sizes, seals, holders and which are mapio channels; create or remove POSIX ones",
                 [](CLI::App& app) {
                   auto args = std::make_shared<ShmArgs>();
                   app.add_flag("--json", args->json, "JSON instead of the table");
                   auto* create_cmd = app.add_subcommand("create", "Create a POSIX object of SIZE bytes (shm_open, ftruncate)");
                   create_cmd->add_option("NAME", args->create_name, "Its name, starting with /")->required();
                   create_cmd->add_option("SIZE", args->create_size, "Bytes, or with K, M, G (powers of 1024)")->required();
                   create_cmd->add_option("--mode", args->create_mode, "Permission bits, octal")->capture_default_str();
                   auto* remove_cmd = app.add_subcommand("rm", "Remove POSIX objects by name (shm_unlink)");
                   remove_cmd->add_option("NAME", args->remove_names, "Names, starting with /")->required();
                   app.require_subcommand(0, 1);
                   return [args, create_cmd, remove_cmd] {
                     if (*create_cmd) return create(*args);
                     if (*remove_cmd) return remove(*args);
                     return list(*args);
                   };
                 }};

}  // namespace
}  // namespace mapio::cli
