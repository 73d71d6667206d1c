#include "mapio/screen/image.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::screen {
namespace {

// Reads the four whitespace-separated header fields of ppm(5), skipping '#' comments.
class HeaderReader {
 public:
  HeaderReader(std::span<const std::byte> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  std::string token() {
    skip_space_and_comments();
    std::string out;
    while (pos_ < bytes_.size() && !space(at(pos_)) && at(pos_) != '#' && out.size() < 16) out += at(pos_++);
    if (out.empty()) fail("the header ends early");
    return out;
  }

  unsigned number(const char* what, unsigned max) {
    auto text = token();
    unsigned long value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') fail(fmt::format("the {} '{}' is not a number", what, text));
      value = value * 10 + static_cast<unsigned long>(c - '0');
      if (value > max) fail(fmt::format("the {} {} is larger than {}", what, text, max));
    }
    if (value == 0) fail(fmt::format("the {} is zero", what));
    return static_cast<unsigned>(value);
  }

  // Exactly one whitespace byte separates maxval from the pixels.
  std::size_t pixels_start() {
    if (pos_ >= bytes_.size() || !space(at(pos_))) fail("no whitespace after maxval");
    return pos_ + 1;
  }

  [[noreturn]] void fail(const std::string& why) const { throw Error("read PPM", name_, EINVAL, why); }

 private:
  char at(std::size_t i) const { return static_cast<char>(bytes_[i]); }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
  void skip_space_and_comments() {
    while (pos_ < bytes_.size()) {
      if (space(at(pos_))) ++pos_;
      else if (at(pos_) == '#') {
        while (pos_ < bytes_.size() && at(pos_) != '\n') ++pos_;
      } else break;
    }
  }

  std::span<const std::byte> bytes_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

}  // namespace

Image parse_ppm(std::span<const std::byte> bytes, const std::string& name) {
  HeaderReader header(bytes, name);
  auto magic = header.token();
  if (magic != "P6") {
    header.fail(magic == "P3" ? "this is a plain (P3) PPM; mapio reads binary P6 (convert with ppmtoppm or pnmtopnm)"
                              : "not a binary PPM: the file does not start with P6");
  }
  // 32768 on a side is far beyond any screen and keeps width * height * 6 well inside size_t.
  unsigned width = header.number("width", 32768);
  unsigned height = header.number("height", 32768);
  unsigned maxval = header.number("maxval", 65535);
  std::size_t start = header.pixels_start();
  std::size_t sample_bytes = maxval < 256 ? 1 : 2;
  std::size_t needed = std::size_t{width} * height * 3 * sample_bytes;
  if (bytes.size() - start < needed) {
    header.fail(fmt::format("{}x{} pixels need {} bytes of data; the file has {}", width, height, needed,
                            bytes.size() - start));
  }
  Image image(width, height);
  const std::byte* p = bytes.data() + start;
  auto sample = [&]() -> std::uint8_t {
    unsigned value = std::to_integer<unsigned>(*p++);
    if (sample_bytes == 2) value = value << 8 | std::to_integer<unsigned>(*p++);  // big-endian, ppm(5)
    return static_cast<std::uint8_t>((value * 255 + maxval / 2) / maxval);
  };
  for (auto& pixel : image.pixels) {
    pixel.red = sample();
    pixel.green = sample();
    pixel.blue = sample();
  }
  return image;
}

Image read_ppm(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  return parse_ppm(file.bytes(), path.string());
}

std::vector<std::byte> encode_ppm(const Image& image) {
  auto header = fmt::format("P6\n{} {}\n255\n", image.width, image.height);
  std::vector<std::byte> out(header.size() + image.pixels.size() * 3);
  std::memcpy(out.data(), header.data(), header.size());
  std::byte* p = out.data() + header.size();
  for (const auto& pixel : image.pixels) {
    *p++ = std::byte{pixel.red};
    *p++ = std::byte{pixel.green};
    *p++ = std::byte{pixel.blue};
  }
  return out;
}

void write_ppm(const std::filesystem::path& path, const Image& image) {
  auto bytes = encode_ppm(image);
  auto fd = FileDescriptor::open(path, O_WRONLY | O_CREAT | O_TRUNC);
  const auto put = sys::write_exact(fd.get(), std::as_bytes(std::span(bytes)));
  if (put.error != 0) throw_errno("write", path.string(), put.error);
  if (put.done < bytes.size()) {
    throw_errno("write", path.string(), EIO, fmt::format("only {} of {} bytes were taken", put.done, bytes.size()));
  }
}

}  // namespace mapio::screen
