// Is this file a mapio channel? A look at a segment's header without attaching to it, for
// listings such as `mapio shm`.
//
//     if (auto c = mapio::ipc::probe_channel("/dev/shm/jobs")) {
//       std::cout << "channel, ring of " << c->capacity << " bytes" << (c->problem.empty() ? "" : ", damaged") << '\n';
//     }
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace mapio::ipc {

/// What a segment's header says about the channel in it.
struct ChannelProbe {
  std::uint32_t version = 0;   ///< the layout version the header names
  std::uint64_t capacity = 0;  ///< the ring bytes the header names
  std::uint64_t size = 0;      ///< the file's size
  /// Empty when the header is one this library would attach to; otherwise why not, in words.
  std::string problem;
};

/// Reads the first bytes of `file` (at most 24, with pread: nothing is mapped, so a file that
/// shrinks meanwhile cannot raise SIGBUS) and returns what they say when they start with a mapio
/// channel's magic; std::nullopt for any other file, a short one, or one that cannot be opened
/// (opened O_NONBLOCK, so that a FIFO put in its place cannot block). Never throws.
std::optional<ChannelProbe> probe_channel(const std::filesystem::path& file) noexcept;

}  // namespace mapio::ipc
