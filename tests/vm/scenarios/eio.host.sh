# Read errors from real disks: two virtio disks fail every read of one region with EIO (QEMU's
# blkdebug driver injects it). The first is raw text, read as a block device; the second holds an
# ext4 file system whose file text.txt has its 513th block in the failing region, and mapio maps
# that file. mapio's scanning verbs must answer as GNU wc and grep do on the same data — the counts
# GNU prints after the error, the error message and the exit status — and a mapping must turn the
# fault into that error, not die of SIGBUS.
expect=(disk-readable wc-l wc-c wc-lc wc-w wc-lwc grep-c grep-c-two count-reports
        fs-mounted fs-wc-l-map fs-wc-w-map fs-wc-read fs-grep-c-map fs-count-map fs-cache-touch)

prepare_disk() {
  local image=$scratch/eio.img config=$scratch/blkdebug.conf
  # 4 MiB of numbered lines; the error region starts at 2 MiB (sector 4096) and is 64 KiB long.
  awk 'BEGIN { for (i = 0; i < 90000; i++) printf "line %06d of the disk that fails\n", i }' | head -c 4194304 >"$image"
  cat >"$config" <<'CONF'
[inject-error]
event = "read_aio"
errno = "5"
sector = "4096"
CONF
  qemu_args=(-drive "file=blkdebug:$config:$image,if=virtio,format=raw,cache=none")

  # The file system: 4 MiB of lines in /text.txt, and the sector of its block 512 made to fail.
  local fs=$scratch/eio-fs.img fsconfig=$scratch/blkdebug-fs.conf block
  rm -f "$fs"
  truncate -s 16M "$fs"
  mke2fs -q -F -t ext4 -b 4096 -L eio "$fs"
  head -c 4194304 "$image" >"$scratch/text.txt"
  debugfs -w -R "write $scratch/text.txt text.txt" "$fs" >/dev/null 2>&1
  block=$(debugfs -R "bmap /text.txt 512" "$fs" 2>/dev/null | tr -dc 0-9)
  [ -n "$block" ] && [ "$block" -gt 0 ] || { host_fail setup "debugfs could not place /text.txt"; return; }
  cat >"$fsconfig" <<CONF
[inject-error]
event = "read_aio"
errno = "5"
sector = "$((block * 8))"
CONF
  qemu_args+=(-drive "file=blkdebug:$fsconfig:$fs,if=virtio,format=raw,cache=none")
}
PATH=$PATH:/sbin:/usr/sbin
prepare_disk
prepare() { prepare_disk; }
