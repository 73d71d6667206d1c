// vm_pattern: fills or checks a deterministic pattern of 64-bit words in anything mappable — a
// host file, or a PCI BAR's sysfs resource file in the QEMU guest (ivshmem's BAR2 is backed by a
// host file, so a pattern written on one side is checked on the other).
//
//     vm_pattern fill  PATH SEED     writes word i = mix(SEED, i) over the whole object
//     vm_pattern check PATH SEED [FIRST]
//                                    counts words (from word FIRST on) that differ; exit 1 if any
//     vm_pattern word  SEED INDEX    prints word INDEX of SEED's pattern (0x + 16 upper-case hex)
//
// The object's size is what stat reports: a file's length, or a BAR's size for sysfs resource
// files. Accesses are 64-bit volatile loads and stores, as a device needs.
#include <fcntl.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include <fmt/core.h>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/mapping.hpp"

namespace {

// splitmix64: every word differs from its neighbours and from other seeds' words.
std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + index + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

mapio::Mapping map_whole(const std::string& path, bool writable) {
  const auto size = std::filesystem::file_size(path);
  auto fd = mapio::FileDescriptor::open(path, writable ? O_RDWR : O_RDONLY);
  return mapio::Mapping::map_descriptor(fd.get(), 0, static_cast<std::size_t>(size),
                                        writable ? mapio::Protection::read_write : mapio::Protection::read,
                                        mapio::Sharing::shared, path);
}

int usage() {
  std::fputs("usage: vm_pattern fill PATH SEED | check PATH SEED [FIRST] | word SEED INDEX\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc != 4 && argc != 5) return usage();
    const std::string verb = argv[1];
    if (verb == "word" && argc == 4) {
      fmt::print("0x{:016X}\n", pattern_word(std::stoull(argv[2], nullptr, 0), std::stoull(argv[3], nullptr, 0)));
      return 0;
    }
    const std::string path = argv[2];
    const std::uint64_t seed = std::stoull(argv[3], nullptr, 0);
    if (verb == "fill" && argc == 4) {
      auto map = map_whole(path, true);
      auto* words = reinterpret_cast<volatile std::uint64_t*>(map.writable_data());
      const std::size_t count = map.size() / sizeof(std::uint64_t);
      for (std::size_t i = 0; i < count; ++i) words[i] = pattern_word(seed, i);
      map.flush();
      fmt::print("filled {} words of {} with seed {}\n", count, path, seed);
      return 0;
    }
    if (verb == "check") {
      auto map = map_whole(path, false);
      const auto* words = reinterpret_cast<const volatile std::uint64_t*>(map.data());
      const std::size_t count = map.size() / sizeof(std::uint64_t);
      std::size_t mismatches = 0;
      std::size_t first = count;
      const std::size_t from = argc == 5 ? static_cast<std::size_t>(std::stoull(argv[4], nullptr, 0)) : 0;
      for (std::size_t i = from; i < count; ++i) {
        if (words[i] != pattern_word(seed, i)) {
          if (mismatches++ == 0) first = i;
        }
      }
      if (mismatches == 0) {
        fmt::print("checked {} words of {} with seed {}: 0 mismatches\n", count - from, path, seed);
        return 0;
      }
      fmt::print("checked {} words of {} with seed {}: {} mismatches, first at word {} (0x{:016X}, expected 0x{:016X})\n",
                 count, path, seed, mismatches, first, static_cast<std::uint64_t>(words[first]),
                 pattern_word(seed, first));
      return 1;
    }
    return usage();
  } catch (const std::exception& e) {
    fmt::print(stderr, "vm_pattern: {}\n", e.what());
    return 1;
  }
}
