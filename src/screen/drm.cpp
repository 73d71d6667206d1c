// KMS through the raw uapi. Each "get" ioctl is called twice: once to learn the counts, once with
// arrays of that size (the kernel fills at most what it was given and always reports the count).
#include "mapio/screen/drm.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "mapio/core/error.hpp"
#include "mapio/core/syscall.hpp"

namespace mapio::screen {
namespace {

static_assert(sizeof(drm_mode_modeinfo) == std::tuple_size_v<decltype(DrmOutput::mode)>);

template <class T>
std::uint64_t pointer_to(T* p) noexcept {
  return reinterpret_cast<std::uintptr_t>(p);
}

// ioctl(2) through core's wrapper (which retries EINTR), and retried on EAGAIN too, as the DRM
// core may ask.
int drm_ioctl(int fd, unsigned long request, void* argument) noexcept {
  int result = 0;
  do {
    result = sys::ioctl(fd, request, argument);
  } while (result == -1 && errno == EAGAIN);
  return result;
}

void call(int fd, unsigned long request, void* argument, const char* name, const std::string& device) {
  if (drm_ioctl(fd, request, argument) == 0) return;
  int error = errno;
  std::string why;
  if (error == EACCES || error == EPERM) {
    why = "mode setting needs DRM master: another process (a display server) holds the card";
  } else if (error == ENOTTY || error == EOPNOTSUPP) {
    why = "this device does not do KMS mode setting (is it a render node, or a DRM driver without modesetting?)";
  }
  throw_errno(name, device, error, why);
}

std::string connector_type_name(std::uint32_t type) {
  static constexpr std::array<const char*, 21> names = {
      "Unknown", "VGA",  "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO", "LVDS", "Component", "DIN",
      "DP",      "HDMI-A", "HDMI-B", "TV", "eDP",   "Virtual",   "DSI",    "DPI",  "Writeback", "SPI", "USB"};
  return type < names.size() ? names[type] : fmt::format("type{}", type);
}

struct Resources {
  std::vector<std::uint32_t> crtcs;
  std::vector<std::uint32_t> connectors;
};

Resources get_resources(int fd, const std::string& device) {
  drm_mode_card_res counts{};
  call(fd, DRM_IOCTL_MODE_GETRESOURCES, &counts, "DRM_IOCTL_MODE_GETRESOURCES", device);
  Resources r;
  r.crtcs.resize(counts.count_crtcs);
  r.connectors.resize(counts.count_connectors);
  drm_mode_card_res full{};
  full.crtc_id_ptr = pointer_to(r.crtcs.data());
  full.count_crtcs = counts.count_crtcs;
  full.connector_id_ptr = pointer_to(r.connectors.data());
  full.count_connectors = counts.count_connectors;
  call(fd, DRM_IOCTL_MODE_GETRESOURCES, &full, "DRM_IOCTL_MODE_GETRESOURCES", device);
  r.crtcs.resize(std::min<std::size_t>(r.crtcs.size(), full.count_crtcs));
  r.connectors.resize(std::min<std::size_t>(r.connectors.size(), full.count_connectors));
  return r;
}

// The CRTC for a connector: the one its current encoder drives, else the first CRTC any of its
// encoders can drive.
std::uint32_t pick_crtc(int fd, const std::string& device, const Resources& resources, std::uint32_t current_encoder,
                        const std::vector<std::uint32_t>& encoders) {
  auto crtc_of = [&](std::uint32_t encoder_id, bool current) -> std::uint32_t {
    drm_mode_get_encoder encoder{};
    encoder.encoder_id = encoder_id;
    call(fd, DRM_IOCTL_MODE_GETENCODER, &encoder, "DRM_IOCTL_MODE_GETENCODER", device);
    if (current && encoder.crtc_id != 0) return encoder.crtc_id;
    for (std::size_t i = 0; i < resources.crtcs.size() && i < 32; ++i) {
      if (encoder.possible_crtcs & (1u << i)) return resources.crtcs[i];
    }
    return 0;
  };
  if (current_encoder != 0) {
    if (auto crtc = crtc_of(current_encoder, true)) return crtc;
  }
  for (auto encoder : encoders) {
    if (auto crtc = crtc_of(encoder, false)) return crtc;
  }
  return 0;
}

}  // namespace

DrmCard DrmCard::open(const std::filesystem::path& device) {
  try {
    return DrmCard(FileDescriptor::open(device, O_RDWR));
  } catch (const Error& e) {
    if (e.errno_value() != ENOENT) throw;
    throw Error("open DRM device", device.string(), ENOENT,
                "no such DRM device: /dev/dri/cardN appears when a KMS driver is loaded (bochs for QEMU's "
                "std VGA, virtio-gpu, i915, amdgpu ...); `nomodeset` keeps them from loading");
  }
}

std::string DrmCard::driver_name() const {
  drm_version version{};
  call(fd_.get(), DRM_IOCTL_VERSION, &version, "DRM_IOCTL_VERSION", path());
  std::string name(version.name_len, '\0');
  drm_version again{};
  again.name_len = name.size();
  again.name = name.data();
  call(fd_.get(), DRM_IOCTL_VERSION, &again, "DRM_IOCTL_VERSION", path());
  name.resize(std::min(name.size(), again.name_len));
  return name;
}

std::vector<DrmOutput> DrmCard::connected_outputs() const {
  int fd = fd_.get();
  auto resources = get_resources(fd, path());
  std::vector<DrmOutput> outputs;
  for (auto connector_id : resources.connectors) {
    drm_mode_get_connector counts{};
    counts.connector_id = connector_id;
    call(fd, DRM_IOCTL_MODE_GETCONNECTOR, &counts, "DRM_IOCTL_MODE_GETCONNECTOR", path());
    if (counts.connection != 1 /* DRM_MODE_CONNECTED */ || counts.count_modes == 0) continue;

    std::vector<drm_mode_modeinfo> modes(counts.count_modes);
    std::vector<std::uint32_t> encoders(counts.count_encoders);
    drm_mode_get_connector full{};
    full.connector_id = connector_id;
    full.modes_ptr = pointer_to(modes.data());
    full.count_modes = counts.count_modes;
    full.encoders_ptr = pointer_to(encoders.data());
    full.count_encoders = counts.count_encoders;
    call(fd, DRM_IOCTL_MODE_GETCONNECTOR, &full, "DRM_IOCTL_MODE_GETCONNECTOR", path());
    modes.resize(std::min<std::size_t>(modes.size(), full.count_modes));
    encoders.resize(std::min<std::size_t>(encoders.size(), full.count_encoders));
    if (modes.empty()) continue;

    const drm_mode_modeinfo* chosen = &modes.front();
    for (const auto& mode : modes) {
      if (mode.type & DRM_MODE_TYPE_PREFERRED) {
        chosen = &mode;
        break;
      }
    }
    DrmOutput output;
    output.connector_id = connector_id;
    output.crtc_id = pick_crtc(fd, path(), resources, full.encoder_id, encoders);
    output.connector_name = fmt::format("{}-{}", connector_type_name(full.connector_type), full.connector_type_id);
    output.width = chosen->hdisplay;
    output.height = chosen->vdisplay;
    output.refresh = chosen->vrefresh;
    output.mode_name.assign(chosen->name, strnlen(chosen->name, sizeof chosen->name));
    std::memcpy(output.mode.data(), chosen, sizeof *chosen);
    if (output.crtc_id != 0) outputs.push_back(std::move(output));
  }
  return outputs;
}

DrmOutput DrmCard::first_connected_output() const {
  auto outputs = connected_outputs();
  if (outputs.empty()) {
    throw Error("find display", path(), ENODEV, "no connector is connected with a mode and a CRTC to drive it");
  }
  return outputs.front();
}

DumbScreen DumbScreen::show(const DrmCard& card, const DrmOutput& output) {
  int fd = card.descriptor();
  const std::string& device = card.path();

  drm_mode_create_dumb create{};
  create.width = output.width;
  create.height = output.height;
  create.bpp = 32;
  call(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create, "DRM_IOCTL_MODE_CREATE_DUMB", device);
  // From here on the buffer (and later the framebuffer object) must be released if a step fails.
  auto destroy_buffer = [&] {
    drm_mode_destroy_dumb destroy{};
    destroy.handle = create.handle;
    drm_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
  };
  drm_mode_fb_cmd framebuffer{};
  try {
    framebuffer.width = output.width;
    framebuffer.height = output.height;
    framebuffer.pitch = create.pitch;
    framebuffer.bpp = 32;
    framebuffer.depth = 24;
    framebuffer.handle = create.handle;
    call(fd, DRM_IOCTL_MODE_ADDFB, &framebuffer, "DRM_IOCTL_MODE_ADDFB", device);
  } catch (...) {
    destroy_buffer();
    throw;
  }
  auto remove_framebuffer = [&] {
    auto id = framebuffer.fb_id;
    drm_ioctl(fd, DRM_IOCTL_MODE_RMFB, &id);
  };
  try {
    drm_mode_map_dumb map{};
    map.handle = create.handle;
    call(fd, DRM_IOCTL_MODE_MAP_DUMB, &map, "DRM_IOCTL_MODE_MAP_DUMB", device);
    auto mapping = Mapping::map_descriptor(fd, map.offset, static_cast<std::size_t>(create.size),
                                           Protection::read_write, Sharing::shared, device + " dumb buffer");
    Geometry geometry{output.width, output.height, create.pitch, PixelFormat::xrgb8888()};
    DumbScreen screen(fd, create.handle, framebuffer.fb_id, std::move(mapping), geometry);
    screen.surface().fill(Rgb{});

    std::uint32_t connector = output.connector_id;
    drm_mode_crtc crtc{};
    crtc.set_connectors_ptr = pointer_to(&connector);
    crtc.count_connectors = 1;
    crtc.crtc_id = output.crtc_id;
    crtc.fb_id = framebuffer.fb_id;
    crtc.mode_valid = 1;
    std::memcpy(&crtc.mode, output.mode.data(), sizeof crtc.mode);
    call(fd, DRM_IOCTL_MODE_SETCRTC, &crtc, "DRM_IOCTL_MODE_SETCRTC", device);
    return screen;
  } catch (...) {
    // `screen` (if made) has released both already; otherwise do it here. Releasing twice is
    // harmless: the second ioctl finds no such object.
    remove_framebuffer();
    destroy_buffer();
    throw;
  }
}

DumbScreen::DumbScreen(int fd, std::uint32_t handle, std::uint32_t framebuffer_id, Mapping mapping,
                       const Geometry& geometry)
    : fd_(fd),
      handle_(handle),
      framebuffer_id_(framebuffer_id),
      mapping_(std::move(mapping)),
      surface_(mapping_.writable_bytes(), geometry) {}

DumbScreen::DumbScreen(DumbScreen&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      handle_(std::exchange(other.handle_, 0)),
      framebuffer_id_(std::exchange(other.framebuffer_id_, 0)),
      mapping_(std::move(other.mapping_)),
      surface_(other.surface_) {}

DumbScreen::~DumbScreen() { release(); }

void DumbScreen::release() noexcept {
  if (fd_ < 0) return;
  mapping_.unmap();
  if (framebuffer_id_ != 0) drm_ioctl(fd_, DRM_IOCTL_MODE_RMFB, &framebuffer_id_);
  drm_mode_destroy_dumb destroy{};
  destroy.handle = handle_;
  drm_ioctl(fd_, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
  fd_ = -1;
}

}  // namespace mapio::screen
