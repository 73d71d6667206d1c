#!/usr/bin/env bash
# Installs the Debian packages mapio needs to build, test and benchmark, and nothing already present.
# Idempotent: a second run installs nothing and does not touch apt's lists.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang-14 libclang-rt-14-dev pkg-config
  # libFuzzer for Clang 14: the fuzz targets in tests/fuzz (the `fuzz` preset)
  libfuzzer-14-dev
  # make: the install test builds the README's consumer with CMake's default generator (Unix Makefiles)
  make
  # cpack -G DEB: dpkg-shlibdeps (dpkg-dev) and file find the packages' dependencies
  dpkg-dev file
  # libraries
  libfmt-dev libcli11-dev libpci-dev pci.ids nlohmann-json3-dev liburing-dev
  # kernel DRM uapi headers (drm.h, drm_mode.h) for dumb buffers; no libdrm library is linked
  libdrm-dev
  # mapio::rdma: rdma-core's verbs and connection manager, soft-RoCE's provider, and the `rdma`
  # tool the guest uses to make a soft-RoCE link
  libibverbs-dev librdmacm-dev ibverbs-providers rdma-core iproute2
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the QEMU guest bench and peers in comparisons
  qemu-system-x86 busybox-static cpio e2fsprogs hyperfine coreutils
  # fio: random 4 KiB reads with pread against a mapping, in bench/compare.sh
  fio
  # peers of `mapio bench --ipc` (optional at build time): Boost.Interprocess message_queue
  # (header-only) and iceoryx, whose RouDi daemon the bench runs from libiceoryx-posh-roudi
  libboost-dev libiceoryx-posh-dev
  # ripgrep, a peer of the printing `mapio grep` in bench/compare.sh
  ripgrep
  # fincore, the peer `mapio cache` is compared with
  util-linux-extra
  # the locale sources (localedef) the wc comparison compiles an ISO-8859-1 and an EUC-JP locale from
  locales
  # the screen scenarios talk to QEMU's monitor socket and check screendumps with python3
  python3
  # the Python package (pybind11 extension), its tests, and pip install from the tree without a download
  python3-dev pybind11-dev python3-pytest python3-numpy python3-setuptools python3-wheel python3-pip
  # the type stubs are checked with mypy
  mypy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "cannot install them: run this as root, or with sudo (this user is not root and sudo is not installed)" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
