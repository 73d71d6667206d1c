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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"
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

// The entries one input made, in the order it made them, so that the next input can take exactly
// those away again: no directory walk and no stat call per entry, which a run of millions of
// inputs would otherwise spend most of its time on.
class Tree {
 public:
  explicit Tree(fs::path root) : root_(std::move(root)) {}

  // Writes a file of `body`, making its directories. Nothing is written through a link.
  void file(std::string_view relative, std::string_view body) {
    if (!directories_to(relative)) return;
    const fs::path path = root_ / relative;
    const int fd = mapio::sys::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW);
    if (fd < 0) return;
    if (seen_.emplace(relative).second) made_.emplace_back(relative, false);
    (void)mapio::sys::write_exact(fd, std::as_bytes(std::span(body.data(), body.size())));  // short on /dev/shm only when full
    ::close(fd);
  }

  // Makes a symbolic link, its own directories real.
  void link(std::string_view relative, const std::string& target) {
    if (!directories_to(relative)) return;
    if (::symlink(target.c_str(), (root_ / relative).c_str()) == 0) {
      links_.emplace(relative);
      seen_.emplace(relative);
      made_.emplace_back(relative, false);
    }
  }

  // Takes away everything made, last first; falls back to a walk if anything is left.
  void clear() {
    bool clean = true;
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      const fs::path path = root_ / it->first;
      if ((it->second ? ::rmdir(path.c_str()) : ::unlink(path.c_str())) != 0) clean = false;
    }
    made_.clear();
    seen_.clear();
    links_.clear();
    if (!clean) {
      std::error_code ignored;
      fs::remove_all(root_, ignored);
      fs::create_directories(root_, ignored);
    }
  }

 private:
  // Makes the directories above `relative` that this input has not made yet. False when one of
  // them (or `relative` itself) is a link this input made: only real directories are written in.
  bool directories_to(std::string_view relative) {
    if (links_.contains(std::string(relative))) return false;
    for (std::size_t slash = relative.find('/'); slash != std::string_view::npos; slash = relative.find('/', slash + 1)) {
      std::string directory(relative.substr(0, slash));
      if (links_.contains(directory)) return false;
      if (seen_.contains(directory)) continue;
      if (::mkdir((root_ / directory).c_str(), 0755) == 0) made_.emplace_back(directory, true);
      seen_.insert(std::move(directory));
    }
    return true;
  }

  fs::path root_;
  std::vector<std::pair<std::string, bool>> made_;  // relative path, is a directory
  std::unordered_set<std::string> seen_;   // every path made, to make each once
  std::unordered_set<std::string> links_;  // the links among them
};

// A link's target may climb with leading ".." no higher than the tree's root and then only name
// entries, as sysfs's own links do (../../../bus/pci/devices/0000:00:04.0). With the link's own
// directory real (Tree::directories_to) and every other link held to the same rule, whatever
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

void materialise(std::string_view input, Tree& tree) {
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
      if (safe(link) && target_inside(link, target)) tree.link(link, target);
    } else if (safe(header)) {
      tree.file(header, body);
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
  static Tree tree = [&] {
    std::error_code ignored;
    fs::create_directories(sysfs, ignored);
    return Tree(sysfs);
  }();
  tree.clear();
  materialise(mapio::fuzz::text_of(data, size), tree);
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
