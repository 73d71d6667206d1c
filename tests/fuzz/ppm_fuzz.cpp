// Binary PPM images (parse_ppm, what `mapio fb show` reads): any bytes decode or are a mapio::Error,
// and a decoded image encoded again (maxval 255) decodes to the same pixels.
#include <cstdint>
#include <span>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/screen/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mapio::fuzz::require;
  mapio::screen::Image image;
  try {
    image = mapio::screen::parse_ppm(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz");
  } catch (const mapio::Error&) {
    return 0;
  }
  require(image.pixels.size() == std::size_t{image.width} * image.height, "width x height pixels");
  const auto bytes = mapio::screen::encode_ppm(image);
  require(mapio::screen::parse_ppm(bytes, "encoded") == image, "encode then parse gives the same image");
  return 0;
}
