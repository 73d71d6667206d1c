#include "mapio/ipc/probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>

#include "ipc/segment.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::ipc {

// The probe reads these four fields by offset, without the struct: keep them where they are.
static_assert(offsetof(detail::SegmentHeader, magic) == 0 && offsetof(detail::SegmentHeader, version) == 8 &&
              offsetof(detail::SegmentHeader, header_size) == 12 && offsetof(detail::SegmentHeader, capacity) == 16);

std::optional<ChannelProbe> probe_channel(const std::filesystem::path& file) noexcept {
  try {
    const int fd = sys::open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::byte bytes[24];  // magic, version, header size, capacity: the fields written once
    bool whole = false;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const auto got = sys::pread_exact(fd, bytes, 0);
      whole = got.error == 0 && got.done == sizeof bytes;
    }
    ::close(fd);
    if (!whole) return std::nullopt;
    std::uint64_t magic = 0, capacity = 0;
    std::uint32_t version = 0, header_size = 0;
    std::memcpy(&magic, bytes, 8);
    std::memcpy(&version, bytes + 8, 4);
    std::memcpy(&header_size, bytes + 12, 4);
    std::memcpy(&capacity, bytes + 16, 8);
    if (magic != detail::segment_magic) return std::nullopt;
    ChannelProbe out{version, capacity, static_cast<std::uint64_t>(st.st_size), {}};
    if (version != detail::segment_version || header_size != detail::header_bytes) {
      out.problem = fmt::format("version {}, this library speaks version {}", version, detail::segment_version);
    } else if (!std::has_single_bit(capacity) || out.size < detail::header_bytes ||
               capacity != out.size - detail::header_bytes) {
      out.problem = fmt::format("the header's capacity {} does not match the file's {} bytes", capacity, out.size);
    }
    return out;
  } catch (...) {
    return std::nullopt;  // only fmt can throw here (out of memory): "not known to be a channel"
  }
}

}  // namespace mapio::ipc
