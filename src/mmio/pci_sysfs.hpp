// Small sysfs readers shared by the PCI, UIO and VFIO code (private to the library).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mapio::mmio::sysfs {

/// The most read_text() takes: a sysfs attribute is at most a page (the kernel's sysfs_emit), a
/// device's `config` 4 KiB; 64 KiB leaves room for larger pages and refuses what is no attribute.
inline constexpr std::size_t max_attribute_bytes = std::size_t{64} << 10;

/// The whole file as text (read(2) until EOF); mapio::Error("read", path, errno) on failure, and
/// EFBIG for a file longer than max_attribute_bytes.
std::string read_text(const std::filesystem::path& path);
/// The file's text without trailing whitespace; std::nullopt when the file does not exist.
std::optional<std::string> read_optional_line(const std::filesystem::path& path);
/// A number in C notation ("0x1234", "42"), the way sysfs attribute files print them; anything else
/// is mapio::Error("parse", path, EINVAL) quoting the text (without its trailing newline).
std::uint64_t read_number(const std::filesystem::path& path);
/// read_number() for an attribute that may be absent: std::nullopt when the file does not exist,
/// the same error when it holds something other than a number.
std::optional<std::uint64_t> read_optional_number(const std::filesystem::path& path);
/// Parses a C-notation unsigned number ("0x..", decimal); nullopt unless the whole text is one.
std::optional<std::uint64_t> parse_number(std::string_view text);
/// The last component of a symlink's target (e.g. `driver` -> "uio_pci_generic"); nullopt if absent.
std::optional<std::string> link_name(const std::filesystem::path& link);

}  // namespace mapio::mmio::sysfs
