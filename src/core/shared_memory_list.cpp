// list_shared_memory: POSIX objects from /dev/shm, memfds from /proc/<pid>/fd.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <string>
#include <system_error>

#include "mapio/core/descriptor.hpp"
#include "mapio/core/shared_memory.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio {
namespace {

// "/name", as shm_open takes it. (Built by appending: GCC 12 warns falsely, -Wrestrict, about
// `"/" + name`.)
std::string posix_name(const std::filesystem::path& file) {
  std::string name = "/";
  name += file.filename().string();
  return name;
}

constexpr std::string_view memfd_prefix = "/memfd:";
constexpr std::string_view deleted_suffix = " (deleted)";

std::string command_of(const std::filesystem::path& process) {
  std::ifstream in(process / "comm");
  std::string command;
  std::getline(in, command);
  return command;
}

// F_GET_SEALS through a fresh open of the /proc link: it reaches the same object, and needs the
// same permission as opening it by name would.
bool read_seals(const std::filesystem::path& link, Seal& seals) {
  const FileDescriptor fd(sys::open(link, O_RDONLY), link.string());
  if (!fd) return false;
  const int value = ::fcntl(fd.get(), F_GET_SEALS);
  if (value < 0) return false;
  seals = static_cast<Seal>(value);
  return true;
}

}  // namespace

std::vector<SharedMemoryObject> list_shared_memory(const std::filesystem::path& proc,
                                                   const std::filesystem::path& shm_dir) {
  std::map<std::uint64_t, SharedMemoryObject> by_inode;  // one entry per object, however many holders
  std::error_code ec;

  for (const auto& entry : std::filesystem::directory_iterator(shm_dir, ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto& object = by_inode[st.st_ino];
    object.kind = SharedMemoryObject::Kind::posix;
    object.name = posix_name(entry.path());
    object.size = static_cast<std::uint64_t>(st.st_size);
    object.inode = st.st_ino;
  }
  const std::string shm_prefix = (shm_dir / "").string();

  for (const auto& process : std::filesystem::directory_iterator(proc, ec)) {
    const std::string pid_text = process.path().filename().string();
    if (pid_text.empty() || !std::all_of(pid_text.begin(), pid_text.end(), ::isdigit)) continue;
    std::error_code fd_ec;
    std::filesystem::directory_iterator fds(process.path() / "fd", fd_ec);
    if (fd_ec) continue;  // gone, or another user's
    std::string command;
    for (const auto& fd_entry : fds) {
      std::error_code link_ec;
      const std::string target = std::filesystem::read_symlink(fd_entry.path(), link_ec).string();
      if (link_ec) continue;
      const bool memfd = target.rfind(memfd_prefix, 0) == 0;
      const bool posix = target.rfind(shm_prefix, 0) == 0;
      if (!memfd && !posix) continue;
      struct stat st {};
      if (::stat(fd_entry.path().c_str(), &st) != 0) continue;  // closed meanwhile
      auto& object = by_inode[st.st_ino];
      if (object.inode == 0) {  // first sight: a memfd, or a POSIX object unlinked but still open
        object.inode = st.st_ino;
        object.size = static_cast<std::uint64_t>(st.st_size);
        // The kernel marks a link to a file that no longer has a name " (deleted)": every memfd,
        // and a POSIX object after shm_unlink.
        std::string name = target;
        const bool deleted = name.size() >= deleted_suffix.size() &&
                             name.compare(name.size() - deleted_suffix.size(), deleted_suffix.size(), deleted_suffix) == 0;
        if (deleted) name.resize(name.size() - deleted_suffix.size());
        if (memfd) {
          object.kind = SharedMemoryObject::Kind::memfd;
          object.name = name.substr(memfd_prefix.size());
        } else {
          object.kind = SharedMemoryObject::Kind::posix;
          object.name = posix_name(name);
          object.unlinked = deleted;
        }
      }
      if (memfd && !object.seals_known) object.seals_known = read_seals(fd_entry.path(), object.seals);
      if (command.empty()) command = command_of(process.path());
      object.holders.push_back({std::stoi(pid_text), std::stoi(fd_entry.path().filename().string()), command});
    }
  }

  std::vector<SharedMemoryObject> out;
  for (auto& [inode, object] : by_inode) {
    std::sort(object.holders.begin(), object.holders.end(),
              [](const auto& a, const auto& b) { return a.pid != b.pid ? a.pid < b.pid : a.fd < b.fd; });
    out.push_back(std::move(object));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.name != b.name ? a.name < b.name : a.inode < b.inode;
  });
  return out;
}

}  // namespace mapio
