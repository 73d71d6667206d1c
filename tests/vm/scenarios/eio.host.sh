# Read errors from a real disk: the guest's virtio disk fails every read of one region with EIO
# (QEMU's blkdebug driver injects it), and mapio's scanning verbs must answer as GNU wc and grep do
# on the same device — the counts of what was read before the error, the error message and the exit
# status — without dying of SIGBUS where they map the device.
expect=(disk-readable wc-l wc-c wc-lc wc-w wc-lwc grep-c grep-c-two count-reports)

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
}
prepare_disk
prepare() { prepare_disk; }
