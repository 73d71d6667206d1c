#!/usr/bin/env bash
# Boots a screen scenario: the guest bench's kernel and initramfs (tests/vm/setup.sh), plus an
# overlay archive with the DRM modules and the screen scenarios, on a machine with a std VGA card,
# no display, the console in a file, a monitor socket and a second serial line for handshakes.
# The guest says `MAPIO-SHOT NAME` and waits; host.py takes `screendump NAME.ppm` through the
# monitor and answers on the second serial line. After poweroff host.py checks the pictures.
#
# Usage: run.sh [--shell] [--artifacts DIR] [--program PATH]... WORK SCENARIO
#   SCENARIO   screen_text, screen_fb or screen_fb16; WORK as setup.sh made it
#   --shell    boots the scenario's machine with a root shell on this terminal instead of the
#              scenario; take screenshots from another terminal with the command it prints
#   --artifacts DIR   also copy the final screenshots there as SCENARIO-SHOT.png (a place no run wipes)
#   --program PATH    one more program for the guest's /opt/mapio/bin, with its libraries
# Screenshots (PPM and PNG) and the console log are kept in WORK/screen/SCENARIO/, which each run
# of the scenario wipes first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
artifacts=
programs=()
shell=0
while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell=1; shift ;;
    --artifacts) artifacts=$2; shift 2 ;;
    --program) programs+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
work=$(cd "$1" && pwd)
scenario=$2
timeout=${MAPIO_VM_TIMEOUT:-240}
kdir=$work/kernel/current
[ -f "$kdir/vmlinuz" ] && [ -f "$work/initramfs.cpio.gz" ] || { echo "$work is not prepared: run tests/vm/setup.sh (ctest -R vm.setup)" >&2; exit 1; }
[ -f "$here/$scenario.guest.sh" ] || { echo "no scenario $here/$scenario.guest.sh" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found: run scripts/install-deps.sh" >&2; exit 1; }

out=$work/screen/$scenario
rm -rf "$out"
mkdir -p "$out"

# ---------------------------------------------------------------------------------------------
# DRM modules for bochs, from the cached kernel package, in dependency order (cached per kernel).
modules=$work/screen/modules-$(cat "$kdir/release")
if [ ! -f "$modules/bochs.load" ]; then
  deb=$(ls "$kdir"/*.deb | head -n1)
  unpack=$(mktemp -d "$work/screen/unpack.XXXXXX")
  trap 'rm -rf "$unpack"' EXIT
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$unpack" --wildcards '*/kernel/drivers/gpu/drm/*'
  declare -A where done_
  while IFS= read -r ko; do
    name=$(basename "$ko"); name=${name%%.ko*}; where[${name//-/_}]=$ko
  done < <(find "$unpack" -name '*.ko*')
  order=()
  resolve() {
    local name=${1//-/_} ko dep
    [ -n "${done_[$name]:-}" ] && return 0
    ko=${where[$name]:-}
    [ -n "$ko" ] || { echo "screen: module $1 not found among the DRM modules" >&2; exit 1; }
    done_[$name]=1
    for dep in $(objcopy -O binary --only-section=.modinfo "$ko" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
      resolve "$dep"
    done
    order+=("$name")
  }
  resolve bochs
  rm -rf "$modules.new" && mkdir -p "$modules.new"
  for m in "${order[@]}"; do
    case "${where[$m]}" in
      *.xz) xz -dc "${where[$m]}" >"$modules.new/$m.ko" ;;
      *.zst) zstd -qdc "${where[$m]}" >"$modules.new/$m.ko" ;;
      *) cp "${where[$m]}" "$modules.new/$m.ko" ;;
    esac
  done
  printf '%s\n' "${order[@]}" >"$modules.new/bochs.load"
  rm -rf "$modules" && mv "$modules.new" "$modules"
  rm -rf "$unpack"
  trap - EXIT
fi

# The overlay: appended to the bench's initramfs (the kernel unpacks concatenated archives in order).
root=$out/overlay
mkdir -p "$root/lib/modules" "$root/vm/scenarios" "$root/vm/screen"
cp "$modules"/* "$root/lib/modules/"
cp "$here"/*.guest.sh "$root/vm/scenarios/"
for program in "${programs[@]}"; do
  [ -x "$program" ] || { echo "screen: $program is not built" >&2; exit 1; }
  mkdir -p "$root/opt/mapio/bin"
  cp "$program" "$root/opt/mapio/bin/"
  # The bench's initramfs holds the libraries mapio itself needs; add any other this one names.
  for lib in $(ldd "$program" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
    mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
  done
done
python3 "$here/host.py" image "$root/vm/screen/pattern.ppm"
echo "this is not a picture" >"$root/vm/screen/not-a-ppm"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$out/overlay.cpio.gz"
cat "$work/initramfs.cpio.gz" "$out/overlay.cpio.gz" >"$out/initrd.gz"

# ---------------------------------------------------------------------------------------------
append="console=ttyS0 quiet panic=-1 mapio.scenario=$scenario vt.global_cursor_default=0"
[ "$scenario" = screen_text ] && append="$append nomodeset"
# VESA mode 0x114 (800x600, RGB565): QEMU's loader passes vga= to the kernel's setup code, vesafb.
[ "$scenario" = screen_fb16 ] && append="$append vga=0x314"
sockets=$(mktemp -d /tmp/mapio-screen.XXXXXX)
if [ "$shell" -eq 1 ]; then
  # The same card, kernel command line and overlay, the console on this terminal (Ctrl-A x quits
  # QEMU) and the monitor on a socket: the guest's `shot` handshake has no host here, so
  # screenshots are taken by hand.
  echo "screenshots: python3 $here/host.py screendump $sockets/monitor FILE.ppm  (from another terminal)"
  status=0
  qemu-system-x86_64 -accel tcg -cpu max -m 256 -no-reboot -nic none -vga std -display none \
    -serial mon:stdio -monitor "unix:$sockets/monitor,server=on,wait=off" \
    -kernel "$kdir/vmlinuz" -initrd "$out/initrd.gz" -append "${append/ quiet/} mapio.shell=1" || status=$?
  rm -rf "$sockets"
  exit "$status"
fi
console=$out/console.log
: >"$console"
qemu_pid=
cleanup() {
  [ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null || true
  rm -rf "$sockets"
}
trap cleanup EXIT
qemu-system-x86_64 -accel tcg -cpu max -m 256 -no-reboot -nic none \
  -vga std -display none \
  -serial "file:$console" \
  -chardev "socket,id=ack,path=$sockets/ack,server=on,wait=off" -device isa-serial,chardev=ack \
  -monitor "unix:$sockets/monitor,server=on,wait=off" \
  -kernel "$kdir/vmlinuz" -initrd "$out/initrd.gz" -append "$append" </dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!
started=$(date +%s)
python3 "$here/host.py" drive "$console" "$sockets/monitor" "$sockets/ack" "$out" "$qemu_pid" &
driver=$!
status=0
while kill -0 "$qemu_pid" 2>/dev/null; do
  if [ $(( $(date +%s) - started )) -ge "$timeout" ]; then
    echo "MAPIO-RESULT timeout FAIL guest still running after $timeout s; killed" >>"$out/host-results"
    kill -KILL "$qemu_pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=
wait "$driver" || true
echo "host: guest done after $(( $(date +%s) - started )) s"
cat "$out/qemu.log"

case "$scenario" in
  screen_text)
    expect=(vga-clear vga-title vga-line vga-wrap vga-cut vga-bottom vga-dump-row2 vga-dump-row7 vga-dump-row9
            vga-bright-background fb-missing dri-missing
            shot-size blank-screen cells-2-4 cells-4-4 cells-6-70 cells-7-0 cells-9-75 cells-24-78
            glyphs-consistent glyphs-distinct untouched-cells vga-reference-row13
            reference-2-4 reference-4-4 reference-6-70 reference-7-0 reference-9-75 reference-24-78 reference-controls hello-run hello-cells)
    shots=(blank text hello) ;;
  screen_fb)
    expect=(fb-device fb-info dri-info fb-fill fb-rect fb-text fb-show fb-bad-image drm-shown drm-master-held
            fb-after-drm drm-text-shown drm-image-shown
            shot-fb-size shot-fb-fill shot-fb-rect shot-fb-text shot-fb-text-blocks shot-fb-image shot-drm-fill
            shot-drm-released shot-fb-after-drm shot-drm-text shot-drm-text-blocks shot-drm-text-same shot-drm-image shot-drm-image-edges)
    shots=(fbdev drm drm-released fb-after-drm drm-text drm-image) ;;
  screen_fb16)
    expect=(fb16-device fb16-sysfs-bpp fb16-driver fb16-info fb16-format fb16-stride fb16-fill fb16-fill-format
            fb16-rect fb16-text fb16-show
            shot-fb16-size shot-fb16-fill shot-fb16-rect shot-fb16-text shot-fb16-text-blocks shot-fb16-image)
    shots=(fb16) ;;
esac
missing_shot=0
for s in "${shots[@]}"; do
  [ -f "$out/$s.ppm" ] || { echo "MAPIO-RESULT shot-$s FAIL no screenshot $s.ppm" >>"$out/host-results"; missing_shot=1; }
done
if [ "$missing_shot" -eq 0 ]; then
  case "$scenario" in
    screen_text) python3 "$here/host.py" check-text "$out" >>"$out/host-results" || true ;;
    screen_fb) python3 "$here/host.py" check-fb "$out" "$root/vm/screen/pattern.ppm" >>"$out/host-results" || true ;;
    screen_fb16) python3 "$here/host.py" check-fb16 "$out" "$root/vm/screen/pattern.ppm" >>"$out/host-results" || true ;;
  esac
  for s in "${shots[@]}"; do python3 "$here/host.py" png "$out/$s.ppm" "$out/$s.png"; done
fi
if [ -n "$artifacts" ]; then
  mkdir -p "$artifacts"
  rm -f "$artifacts/$scenario"-*.png
  for s in "${shots[@]}"; do
    [ -f "$out/$s.png" ] && cp "$out/$s.png" "$artifacts/$scenario-$s.png"
  done
fi

echo "----- console ($console) -----"
tr -d '\r' <"$console"
echo "----- host checks -----"
touch "$out/host-results"
cat "$out/host-results"
echo "-----"
all=$out/all-results
{ tr -d '\r' <"$console" | grep -a '^MAPIO-RESULT ' || true; cat "$out/host-results"; } >"$all"
while read -r _ check verdict detail; do
  [ "$verdict" = PASS ] || { echo "FAIL: $check: $detail"; status=1; }
done <"$all"
for check in "${expect[@]}"; do
  awk -v c="$check" '$2 == c && $3 == "PASS" { f = 1 } END { exit !f }' "$all" || { echo "FAIL: $check: never reported PASS"; status=1; }
done
tr -d '\r' <"$console" | grep -aq "^MAPIO-DONE $scenario" || { echo "FAIL: guest never reached MAPIO-DONE"; status=1; }
echo "screenshots: $out${artifacts:+ (PNGs also in $artifacts)}"
[ "$status" -eq 0 ] && echo "vm.$scenario: PASS ($(awk '$3 == "PASS"' "$all" | wc -l) checks)" || echo "vm.$scenario: FAIL"
exit "$status"
