#include "mmio/pci_sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"

namespace mapio::mmio::sysfs {

std::string read_text(const std::filesystem::path& path) {
  return FileDescriptor::open(path, O_RDONLY).read_all(max_attribute_bytes);
}

namespace {

std::string without_trailing_whitespace(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

std::uint64_t number_in(const std::filesystem::path& path, const std::string& text) {
  auto value = parse_number(text);
  // Quoted without the attribute's newline, so that the message stays on one line.
  if (!value) {
    throw_errno("parse", path.string(), EINVAL,
                "expected a number, found \"" + without_trailing_whitespace(text) + "\"");
  }
  return *value;
}

}  // namespace

std::optional<std::string> read_optional_line(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return without_trailing_whitespace(read_text(path));
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::uint64_t read_number(const std::filesystem::path& path) { return number_in(path, read_text(path)); }

std::optional<std::uint64_t> read_optional_number(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return number_in(path, read_text(path));
}

std::optional<std::string> link_name(const std::filesystem::path& link) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(link, ec);
  if (ec) return std::nullopt;
  return target.filename().string();
}

}  // namespace mapio::mmio::sysfs
