#!/usr/bin/env bash
# check_deb.sh SOURCE_DIR WORK_DIR VERSION [DEBIAN_ROOT]
# Builds mapio's Debian packages as the README says (the `deb` presets: shared libraries, prefix
# /usr, then cpack -G DEB) and checks them:
#  - each library has the versioned SONAME libmapio_PART.so.MAJOR.MINOR, and exports what the CLI uses;
#  - three packages, libmapio<soversion>, libmapio-dev and mapio, each holding only its own files,
#    with the dependencies apt needs;
#  - unpacked into an empty root (dpkg -x), the mapio command runs from it on its own libraries and
#    counts lines as wc does, and the README's program builds against its headers and CMake files on
#    this machine as it is without libpci-dev and libfmt-dev, as does a pkg-config consumer;
#  - with DEBIAN_ROOT (a minimal Debian 12 made by debootstrap if the directory does not exist yet;
#    needs the Debian archive), the packages are installed there with apt, which brings their
#    dependencies, and the same checks run inside it with chroot.
set -euo pipefail
source_dir=$(realpath "$1") work=$(realpath -m "$2") version=$3 debian_root=${4:+$(realpath -m "$4")}
soversion=${version%.*}
here=$(cd "$(dirname "$0")" && pwd)
without_dev_files=("$here/without_packages.sh" libpci-dev libfmt-dev --)
fail() { echo "FAIL: $*" >&2; exit 1; }

# The build is kept between runs (a second run rebuilds only what changed); all else is made anew.
rm -rf "$work/packages" "$work/root" "$work/consumer"
mkdir -p "$work"

# The README's commands, with the build in WORK.
cd "$source_dir"
cmake --preset deb -B "$work/build" >"$work/configure.log"
cmake --build "$work/build" -j 2 >"$work/build.log"
cpack --config "$work/build/CPackConfig.cmake" -G DEB -B "$work/packages" >"$work/cpack.log"

for part in core scan mmio screen; do
  lib=$work/build/src/libmapio_$part.so
  soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [[ $soname == "libmapio_$part.so.$soversion" ]] || fail "$lib has SONAME '$soname'"
  [[ -e $work/build/src/libmapio_$part.so.$version ]] || fail "no libmapio_$part.so.$version"
done
# The CLI runs on the shared libraries of the build tree (no copy of mapio inside it).
cli=$work/build/bin/mapio
ldd "$cli" | grep -q "libmapio_core.so.$soversion => $work/build/src/" || fail "mapio does not use the shared libmapio_core: $(ldd "$cli")"
if nm -C --defined-only "$cli" | grep -q ' T mapio::MappedFile::'; then fail "mapio holds its own copy of MappedFile"; fi
[[ $("$cli" --version) == "mapio $version" ]] || fail "build tree mapio --version: $("$cli" --version)"

# The packages and what each holds.
declare -A deb
for name in "libmapio$soversion" libmapio-dev mapio; do
  deb[$name]=$(ls "$work/packages/${name}_${version}_"*.deb 2>/dev/null) || fail "no package $name in $(ls "$work/packages")"
  echo "== $name: $(dpkg-deb -f "${deb[$name]}" Depends)"
done
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | grep -v '/$'; }
runtime=$(contents "${deb[libmapio$soversion]}")
dev=$(contents "${deb[libmapio-dev]}")
cli_files=$(contents "${deb[mapio]}")
# Each part's library twice (the SONAME link and the file): core, scan, mmio, screen and ipc
# always, rdma where rdma-core was there to build it.
parts=$(grep -o "libmapio_[a-z]*" <<<"$runtime" | sort -u | wc -l)
[[ $parts -ge 5 && $(grep -c "/libmapio_[a-z]*\.so\.$soversion" <<<"$runtime") -eq $((2 * parts)) ]] ||
  fail "runtime package holds: $runtime"
if grep -v "\.so\.$soversion" <<<"$runtime"; then fail "runtime package holds more than libraries"; fi
for f in include/mapio/mapio.hpp include/mapio/version.hpp include/mapio/core/file.hpp \
         lib/x86_64-linux-gnu/libmapio_core.so lib/x86_64-linux-gnu/cmake/mapio/mapioConfig.cmake \
         lib/x86_64-linux-gnu/pkgconfig/mapio-core.pc lib/x86_64-linux-gnu/pkgconfig/mapio.pc; do
  grep -qx "./usr/$f" <<<"$dev" || fail "libmapio-dev lacks /usr/$f"
done
[[ $cli_files == "./usr/bin/mapio" ]] || fail "mapio package holds: $cli_files"
depends() { dpkg-deb -f "${deb[$1]}" Depends; }
[[ $(depends libmapio-dev) == *"libmapio$soversion (= $version)"* ]] || fail "libmapio-dev depends: $(depends libmapio-dev)"
[[ $(depends mapio) == *"libmapio$soversion (= $version)"* ]] || fail "mapio depends: $(depends mapio)"
[[ $(depends "libmapio$soversion") == *libpci3* ]] || fail "the libraries do not depend on libpci3: $(depends "libmapio$soversion")"
if [[ $(depends libmapio-dev) == *libpci-dev* ]]; then fail "libmapio-dev pulls libpci-dev"; fi

# The README's program, extracted as the README shows it (the install test checks the same text).
extract() {  # extract LANG: the first ```LANG block under "## Using the library"
  awk -v lang="$1" '/^## Using the library/ { in_section = 1 }
    in_section && !done && $0 == "```" lang { copying = 1; next }
    copying && /^```/ { copying = 0; done = 1 }
    copying { print }' "$source_dir/README.md"
}
mkdir -p "$work/consumer"
extract cmake >"$work/consumer/CMakeLists.txt"
program=$(sed -n 's/^add_executable(\([A-Za-z_]*\) \([A-Za-z_.]*\))$/\1 \2/p' "$work/consumer/CMakeLists.txt")
read -r target source <<<"$program"
extract cpp >"$work/consumer/$source"
cp "$here/cxx23/main.cpp" "$work/consumer/cxx23.cpp"
cp "${deb[@]}" "$work/consumer/"

# check_installed USR: the packages' files are under USR (/usr in a real install); prints what it did.
# shellcheck disable=SC2016
check_installed='
  set -euo pipefail
  usr=$1 version=$2 dir=$3 target=$4
  cd "$dir"
  [[ $("$usr/bin/mapio" --version) == "mapio $version" ]] || { echo "mapio --version: $("$usr/bin/mapio" --version)"; exit 1; }
  core=$(ldd "$usr/bin/mapio" | awk "/libmapio_core/ { print \$3 }")
  [[ -n $core && $(realpath "$core") == "$(realpath "$usr/lib/x86_64-linux-gnu")"/* ]] || { ldd "$usr/bin/mapio"; exit 1; }
  printf "one\ntwo\nthree\n" >lines.txt
  [[ $("$usr/bin/mapio" wc -l lines.txt) == "3 lines.txt" ]] || { echo "mapio wc -l: $("$usr/bin/mapio" wc -l lines.txt)"; exit 1; }
  echo "mapio $version runs: wc -l lines.txt = 3"
  cmake -S . -B build -DCMAKE_PREFIX_PATH="$usr" >/dev/null
  cmake --build build >/dev/null
  ! grep -E "pci|fmt" build/CMakeFiles/$target.dir/link.txt || { echo "link line names libpci or fmt"; exit 1; }
  out=$(./build/$target lines.txt)
  [[ $out == "lines.txt: 14 bytes, 3 lines" ]] || { echo "README program: $out"; exit 1; }
  echo "README program built with CMake: $out"
  export PKG_CONFIG_PATH=$usr/lib/x86_64-linux-gnu/pkgconfig
  flags=$(pkg-config --cflags --libs mapio-core)
  g++ -std=c++23 cxx23.cpp $flags -o cxx23
  ./cxx23
  flags=$(pkg-config --cflags --libs mapio)
  echo "pkg-config mapio (no --static): $flags"
'

# An empty root with the packages unpacked: the loader is pointed at its libraries, as dpkg would
# have put them where it looks.
for f in "${deb[@]}"; do dpkg-deb -x "$f" "$work/root"; done
LD_LIBRARY_PATH=$work/root/usr/lib/x86_64-linux-gnu "${without_dev_files[@]}" \
  bash -c "$check_installed" check "$work/root/usr" "$version" "$work/consumer" "$target"
echo "ok: packages unpacked into an empty root work"

[[ -n $debian_root ]] || exit 0
if [[ ! -x $debian_root/usr/bin/apt-get ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  debootstrap --variant=minbase bookworm "$debian_root" >"$work/debootstrap.log"
fi
rm -rf "$debian_root/consumer"
cp -r "$work/consumer" "$debian_root/consumer"
rm -rf "$debian_root/consumer/build"
unshare --mount --propagation private bash -c '
  set -euo pipefail
  root=$1
  mount -t proc proc "$root/proc"
  # The environment of a fresh machine: nothing of this one (compiler launchers, paths) goes in.
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 bash -c "
    set -euo pipefail
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get purge -y -qq mapio libmapio-dev '"libmapio$soversion"' >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends /consumer/*.deb g++ cmake make pkg-config >/dev/null
    dpkg-query -W libpci-dev libfmt-dev 2>/dev/null | grep . && { echo libpci-dev or libfmt-dev got installed; exit 1; }
    bash -c \"\$0\" check /usr '"$version"' /consumer '"$target"'
  " "$2"
' root "$debian_root" "$check_installed"
echo "ok: packages installed with apt into a fresh Debian 12 root work"
