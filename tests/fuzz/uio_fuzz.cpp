// UIO device descriptions as sysfs gives them (list_uio_devices, describe_uio_device). The input is
// a sysfs tree written as records, each a header line and the file's bytes up to the next header:
//
//     === class/uio/uio0/name
//     uio_pci_generic
//     === @class/uio/uio0/device -> ../../../bus/pci/devices/0000:00:04.0
//
// (the seeds are the captured trees under tests/data/sysfs). The tree is made in a scratch
// directory and read back: whatever the files hold, the answer is a description or a mapio::Error,
// never a crash, and a device listed is described the same when asked for by its number.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/mmio/uio.hpp"

namespace fs = std::filesystem;

namespace {

fs::path make_scratch() {
  // In memory when the machine has /dev/shm: every run writes and removes a whole tree.
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "mapio-fuzz-uio-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

const fs::path& scratch() {
  static const fs::path root = make_scratch();
  return root;
}

void remove_scratch() {
  std::error_code ignored;
  fs::remove_all(scratch(), ignored);
}

// A relative path without "..", NUL or an empty name: the tree stays inside the scratch directory.
bool safe(std::string_view path) {
  if (path.empty() || path.size() > 200 || path.front() == '/' || path.find('\0') != std::string_view::npos) return false;
  for (std::size_t at = 0; at <= path.size();) {
    const std::size_t slash = std::min(path.find('/', at), path.size());
    const auto part = path.substr(at, slash - at);
    if (part.empty() || part == "." || part == "..") return false;
    at = slash + 1;
  }
  return true;
}

// No component of `relative` below `root` is a symlink, the last one included: a file written or a
// link made there lands in a real directory of the scratch tree, never through a link.
bool through_real_directories(const fs::path& root, std::string_view relative) {
  fs::path at = root;
  for (const auto& part : fs::path(relative)) {
    at /= part;
    std::error_code ec;
    if (fs::is_symlink(at, ec)) return false;
  }
  return true;
}

// A link's target may climb with leading ".." no higher than the tree's root and then only name
// entries, as sysfs's own links do (../../../bus/pci/devices/0000:00:04.0). With the link's own
// directory real (through_real_directories) and every other link held to the same rule, whatever
// the reader follows stays inside the scratch tree: it cannot reach /dev or /proc, whose files may
// block or act when opened, and nothing written afterwards through a link leaves the tree.
bool target_inside(std::string_view link, std::string_view target) {
  if (target.empty() || target.size() > 200 || target.front() == '/' || target.find('\0') != std::string_view::npos) {
    return false;
  }
  const auto depth = static_cast<std::size_t>(std::count(link.begin(), link.end(), '/'));
  std::size_t climbs = 0;
  bool named = false;
  for (std::size_t at = 0; at <= target.size();) {
    const std::size_t slash = std::min(target.find('/', at), target.size());
    const auto part = target.substr(at, slash - at);
    if (part.empty() || part == ".") return false;
    if (part == "..") {
      if (named || ++climbs > depth) return false;
    } else {
      named = true;
    }
    at = slash + 1;
  }
  return true;
}

void materialise(std::string_view input, const fs::path& root) {
  std::error_code ignored;
  constexpr std::string_view marker = "=== ";
  std::size_t at = input.starts_with(marker) ? 0 : input.find("\n=== ");
  if (at != 0 && at != std::string_view::npos) ++at;
  for (unsigned records = 0; at != std::string_view::npos && records < 64; ++records) {
    const std::size_t header_end = std::min(input.find('\n', at), input.size());
    const std::string_view header = input.substr(at + marker.size(), header_end - at - marker.size());
    std::size_t next = input.find("\n=== ", header_end);
    const std::size_t body_start = std::min(header_end + 1, input.size());
    const std::string_view body =
        input.substr(body_start, (next == std::string_view::npos ? input.size() : next + 1) - body_start);
    at = next == std::string_view::npos ? next : next + 1;
    if (header.starts_with('@')) {
      const auto arrow = header.find(" -> ");
      if (arrow == std::string_view::npos) continue;
      const auto link = header.substr(1, arrow - 1);
      const auto target = std::string(header.substr(arrow + 4));
      if (!safe(link) || !target_inside(link, target) || !through_real_directories(root, link)) continue;
      fs::create_directories((root / link).parent_path(), ignored);
      fs::create_symlink(target, root / link, ignored);
    } else if (safe(header) && through_real_directories(root, header)) {
      fs::create_directories((root / header).parent_path(), ignored);
      std::ofstream(root / header, std::ios::binary).write(body.data(), static_cast<std::streamsize>(body.size()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit(remove_scratch);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path sysfs = scratch() / "sys";
  std::error_code ignored;
  fs::remove_all(sysfs, ignored);
  fs::create_directories(sysfs, ignored);
  materialise(mapio::fuzz::text_of(data, size), sysfs);
  const mapio::mmio::UioPaths paths{sysfs, scratch() / "dev"};
  std::vector<mapio::mmio::UioDeviceInfo> devices;
  try {
    devices = mapio::mmio::list_uio_devices(paths);
  } catch (const mapio::Error&) {
    return 0;
  }
  for (const auto& listed : devices) {
    const auto described = mapio::mmio::describe_uio_device(listed.number, paths);
    mapio::fuzz::require(described.sysfs_path == listed.sysfs_path && described.maps.size() == listed.maps.size(),
                         "a listed device is described the same by its number");
    for (std::size_t i = 0; i < listed.maps.size(); ++i) {
      mapio::fuzz::require(described.maps[i].address == listed.maps[i].address &&
                               described.maps[i].size == listed.maps[i].size,
                           "its maps read the same twice");
    }
  }
  return 0;
}
