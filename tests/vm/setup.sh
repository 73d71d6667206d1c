#!/usr/bin/env bash
# Prepares the QEMU guest bench in WORK (a directory in the build tree):
#   WORK/kernel/      the guest kernel and the modules the scenarios load, from Debian's
#                     linux-image-<version>-amd64-unsigned package (downloaded once, then cached)
#   WORK/initramfs.cpio.gz
#                     busybox, those modules, mapio's programs with the exact shared libraries ldd
#                     names for them, /init and the guest half of every scenario
#
# Usage: setup.sh WORK PROGRAM...
#   Each PROGRAM is a path to a built executable; it lands in the guest as /opt/mapio/bin/<name>.
#   A PROGRAM written as ?PATH is optional: when it has not been built the guest gets a note
#   instead, and the scenarios that need it fail saying which program is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 WORK PROGRAM..." >&2; exit 2; }
work=$1; shift
mkdir -p "$work"
work=$(cd "$work" && pwd)

# Modules the scenarios load, each with everything it depends on. vfio_iommu_type1 is requested
# by vfio at run time rather than linked, and ext4 wants crc32c through the crypto API: both are
# named explicitly for that reason.
top_modules=(uio uio_pci_generic vfio vfio_iommu_type1 vfio-pci crc32c_generic ext4 virtio_pci virtio_blk
             virtio_net rdma_rxe rdma_ucm crc32_generic)

note() { echo "vm.setup: $*" >&2; }
die() { echo "vm.setup: error: $*" >&2; exit 1; }

for tool in qemu-system-x86_64 busybox cpio gzip apt-get apt-cache dpkg-deb objcopy ldd; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done
[ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static"
file_kind=$(od -An -c -N4 /bin/busybox | tr -d ' ')
[ "$file_kind" = "177ELF" ] || die "/bin/busybox is not an ELF binary"

# ---------------------------------------------------------------------------------------------
# The kernel package: the one Debian's linux-image-amd64 depends on, in its -unsigned flavour
# (same kernel, no signature wrapper, and it carries the modules). Fall back to the newest
# installable linux-image-N-amd64-unsigned when the meta package is unknown to apt.
has_candidate() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

discover_package() {
  local dep
  dep=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  if [ -n "$dep" ] && has_candidate "$dep-unsigned"; then
    echo "$dep-unsigned"
    return
  fi
  local name
  for name in $(apt-cache search --names-only '^linux-image-[0-9][^ ]*-amd64-unsigned$' 2>/dev/null |
                awk '{print $1}' | grep -v -e '-rt-' -e '-cloud-' | sort -V -r); do
    if has_candidate "$name"; then
      echo "$name"
      return
    fi
  done
}

run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

package=$(discover_package || true)
if [ -z "$package" ]; then
  # apt knows no such package (lists never fetched?): refresh once, then ask again.
  note "no linux-image-*-amd64-unsigned known to apt; running apt-get update"
  run_as_root apt-get update -qq || true
  package=$(discover_package || true)
fi
if [ -z "$package" ]; then
  cached=$(ls -d "$work"/kernel/linux-image-*/ 2>/dev/null | sort -V | tail -n1)
  [ -n "$cached" ] || die "cannot find a linux-image-<version>-amd64-unsigned package with apt-cache"
  package=$(basename "$cached")
  note "apt offers no kernel package; using the cached $package"
fi

kdir=$work/kernel/$package
mkdir -p "$kdir"
deb=$(ls "$kdir"/*.deb 2>/dev/null | head -n1 || true)
if [ -n "$deb" ] && ! dpkg-deb --info "$deb" >/dev/null 2>&1; then
  note "cached $(basename "$deb") is damaged (an interrupted download?); fetching it again"
  rm -f "$deb" "$kdir/stamp"
  deb=
fi
if [ -z "$deb" ]; then
  note "downloading $package (cached in $kdir for later runs)"
  # apt-get download writes into the current directory; the _apt sandbox user may not be able
  # to write in the build tree, which apt reports as a warning and then downloads as root.
  download() {
    (cd "$kdir" && apt-get download -q "$package" 2>&1) | { grep -v 'unsandboxed' || true; } >&2
    return "${PIPESTATUS[0]}"
  }
  if ! download; then
    note "download failed; refreshing apt's lists and retrying"
    run_as_root apt-get update -qq
    download
  fi
  deb=$(ls "$kdir"/*.deb | head -n1)
fi

# Unpack only when the modules wanted or the package changed: the stamp records both.
stamp="$package ${top_modules[*]}"
if [ ! -f "$kdir/vmlinuz" ] || [ "$(cat "$kdir/stamp" 2>/dev/null)" != "$stamp" ]; then
  note "unpacking $(basename "$deb")"
  unpack=$(mktemp -d "$work/unpack.XXXXXX")
  trap 'rm -rf "$unpack"' EXIT
  dpkg-deb -x "$deb" "$unpack"
  release=$(ls "$unpack/lib/modules" | head -n1)
  [ -n "$release" ] || die "$deb holds no lib/modules/<release>"
  rm -rf "$kdir/modules" "$kdir/vmlinuz" "$kdir/config" "$kdir/release"
  mkdir -p "$kdir/modules"
  cp "$unpack/boot/vmlinuz-$release" "$kdir/vmlinuz"
  cp "$unpack/boot/config-$release" "$kdir/config"
  echo "$release" >"$kdir/release"

  # name -> path of every module (the kernel treats '-' and '_' in module names alike).
  declare -A module_path
  while IFS= read -r path; do
    name=$(basename "$path"); name=${name%%.ko*}; name=${name//-/_}
    module_path[$name]=$path
  done < <(find "$unpack/lib/modules/$release" -name '*.ko*')

  modinfo_field() {  # FIELD KO: the .modinfo section holds NUL-separated key=value strings
    local ko=$2 tmp
    tmp=$(mktemp)
    case "$ko" in
      *.ko.xz) xz -dc "$ko" >"$tmp.ko" ;;
      *.ko.zst) zstd -qdc "$ko" >"$tmp.ko" ;;
      *.ko.gz) gzip -dc "$ko" >"$tmp.ko" ;;
      *) cp "$ko" "$tmp.ko" ;;
    esac
    objcopy -O binary --only-section=.modinfo "$tmp.ko" "$tmp" 2>/dev/null || : >"$tmp"
    tr '\0' '\n' <"$tmp" | sed -n "s/^$1=//p"
    rm -f "$tmp" "$tmp.ko"
  }

  # Depth-first: a module's dependencies are listed before it, each module once.
  declare -A listed
  order=()
  add_module() {
    local name=${1//-/_} dep
    [ -n "${listed[$name]:-}" ] && return
    local ko=${module_path[$name]:-}
    if [ -z "$ko" ]; then
      # Built into the kernel (modules.builtin) needs no loading; anything else is an error.
      grep -q "/${1}.ko\$\|/${name}.ko\$" "$unpack/lib/modules/$release/modules.builtin" 2>/dev/null && return
      die "module $1 is neither in $package nor built in"
    fi
    listed[$name]=1
    for dep in $(modinfo_field depends "$ko" | tr ',' ' '); do
      add_module "$dep"
    done
    case "$ko" in
      *.ko.xz) xz -dc "$ko" >"$kdir/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$ko" >"$kdir/modules/$name.ko" ;;
      *.ko.gz) gzip -dc "$ko" >"$kdir/modules/$name.ko" ;;
      *) cp "$ko" "$kdir/modules/$name.ko" ;;
    esac
    order+=("$name")
  }
  for m in "${top_modules[@]}"; do add_module "$m"; done
  printf '%s\n' "${order[@]}" >"$kdir/modules/order"
  # For each module the scenarios name: the modules to insmod, in order, ending with itself.
  for m in "${top_modules[@]}"; do
    listed=(); order=()
    add_module "$m"
    printf '%s\n' "${order[@]}" >"$kdir/modules/${m//-/_}.load"
  done
  echo "$stamp" >"$kdir/stamp"
  rm -rf "$unpack"
  trap - EXIT
fi
ln -sfn "$package" "$work/kernel/current"

# ---------------------------------------------------------------------------------------------
# The initramfs.
root=$work/initramfs-root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,mnt,root,opt/mapio/bin,lib/modules,vm}
cp /bin/busybox "$root/bin/busybox"
cp "$kdir"/modules/*.ko "$kdir"/modules/*.load "$root/lib/modules/"
cp "$kdir/release" "$root/lib/modules/release"

# A program and every shared library ldd names, each at the path ldd names (the loader too).
copy_with_libraries() {
  local program=$1 dest=$2 lib
  cp "$program" "$dest"
  for lib in $(ldd "$program" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

: >"$root/opt/mapio/missing"
: >"$work/programs.list"
for spec in "$@"; do
  optional=0
  case "$spec" in \?*) optional=1; spec=${spec#\?} ;; esac
  name=$(basename "$spec")
  if [ ! -x "$spec" ]; then
    [ "$optional" -eq 1 ] || die "$spec is not built: build the project first (cmake --build <dir>)"
    note "optional program $spec is not built; scenarios that need $name will fail"
    echo "$name $spec" >>"$root/opt/mapio/missing"
    continue
  fi
  copy_with_libraries "$spec" "$root/opt/mapio/bin/$name"
  echo "$name $(cd "$(dirname "$spec")" && pwd)/$name" >>"$work/programs.list"
done

# rdma-core loads each device's driver (a "provider") at run time, by its config file: soft-RoCE's.
for provider in /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so; do
  [ -e "$provider" ] && [ -e /etc/libibverbs.d/rxe.driver ] || continue
  mkdir -p "$root$(dirname "$provider")" "$root/etc/libibverbs.d"
  copy_with_libraries "$provider" "$root$provider"
  cp /etc/libibverbs.d/rxe.driver "$root/etc/libibverbs.d/"
done

cp "$here/guest/init" "$root/init"
chmod 755 "$root/init"
cp "$here/guest/lib.sh" "$root/vm/lib.sh"
mkdir -p "$root/vm/scenarios"
cp "$here"/scenarios/*.guest.sh "$root/vm/scenarios/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$work/initramfs.cpio.gz.new"
mv "$work/initramfs.cpio.gz.new" "$work/initramfs.cpio.gz"
note "kernel $(cat "$kdir/release") ($package), initramfs $(du -k "$work/initramfs.cpio.gz" | cut -f1) KiB"
