# RDMA between two machines over soft-RoCE: two guests, each with rdma_rxe on a virtio NIC, joined
# by QEMU's socket network backend (one listens on a local TCP port, the other connects: a
# private Ethernet segment between them). The server guest serves files of an ext4 disk image the
# host wrote, and the example program rdma_counter serves its page; the client guest reads, writes,
# adds and is refused with the CLI, the device test program, rdma_counter's client and a Python
# script on mapio.rdma (the client alone has Python: an archive appended to its initramfs, as in
# python_edu). After both have powered off, the host reads the files out of the image: the
# client's write and the final counter are there, and nothing else changed.
#
# Two network namespaces joined by a veth pair in one guest do not work with this kernel's rxe:
# see docs/testing.md.
expect=(server-rxe-link server-mount server-ready server-counter-ready server-killed server-flushed server-counter
        server-truncated server-unmounted
        client-rxe-link client-rdma-devices client-read client-write client-fetch-add client-python client-counter
        client-ops client-bench client-out-of-range client-read-only client-too-long client-refused
        client-killed-cli client-killed-program client-truncated client-finished
        py-rdma-connect py-rdma-read py-rdma-refused py-rdma-fetch-add py-rdma-write py-rdma-done
        python-archive served-file read-only-file truncated-file both-done)

run_scenario() {
  local mke2fs debugfs pattern image=$scratch/disk.img fs=$scratch/fs port
  mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
  debugfs=$(command -v debugfs || echo /sbin/debugfs)
  pattern=$(host_program vm_pattern) || { host_fail served-file "vm_pattern not built"; return; }
  rm -rf "$fs" && mkdir -p "$fs"
  # served: the pattern of seed 11 with word 0 (the counter) zero; readonly: seed 12.
  truncate -s 65536 "$fs/served" "$fs/readonly"
  "$pattern" fill "$fs/served" 11 >/dev/null
  dd if=/dev/zero of="$fs/served" bs=8 count=1 conv=notrunc status=none
  "$pattern" fill "$fs/readonly" 12 >/dev/null
  truncate -s 65536 "$fs/truncated"
  "$pattern" fill "$fs/truncated" 14 >/dev/null
  cp "$fs/served" "$scratch/served.original"
  cp "$fs/readonly" "$scratch/readonly.original"
  rm -f "$image"
  "$mke2fs" -q -F -t ext4 -d "$fs" "$image" 32M

  # A free local port for the link between the two guests.
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local base=("${qemu_args[@]}")
  qemu_args=("${base[@]}" -netdev "socket,id=n0,listen=127.0.0.1:$port"
             -device virtio-net-pci,netdev=n0,mac=52:54:00:00:03:01 -drive "file=$image,if=virtio,format=raw")
  append="mapio.role=server"
  vm_start "$log"
  local server_pid=$vm_pid
  for i in $(seq 100); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
  qemu_args=("${base[@]}" -netdev "socket,id=n0,connect=127.0.0.1:$port"
             -device virtio-net-pci,netdev=n0,mac=52:54:00:00:03:02)
  append="mapio.role=client"
  # Python for the client only (a failure here is reported, and the client then says it has none).
  local plain=$initrd
  python_archive python-archive "mapio, mapio.rdma, struct" "$here/python/rdma_client.py" && initrd=$python_initrd
  vm_start "$scratch/client.log"
  initrd=$plain
  local client_pid=$vm_pid
  local ok=1
  vm_pid=$client_pid; vm_wait_exit "$timeout" || { ok=0; host_fail timeout "client guest still running after $timeout s; killed"; }
  vm_pid=$server_pid; vm_wait_exit 60 || { ok=0; host_fail timeout "server guest still running 60 s after the client; killed"; }
  echo "host: both guests powered off after $(vm_elapsed) s"
  echo "----- client console ($scratch/client.log) -----"
  tr -d '\r' <"$scratch/client.log"
  echo "----- end of client console -----"
  tr -d '\r' <"$scratch/client.log" | grep -a '^MAPIO-RESULT ' >>"$results" || true
  if tr -d '\r' <"$log" | grep -aq '^MAPIO-DONE rdma' && tr -d '\r' <"$scratch/client.log" | grep -aq '^MAPIO-DONE rdma'; then
    [ $ok = 1 ] && host_pass both-done
  else host_fail both-done "a guest never reached MAPIO-DONE"; fi

  # The files as the server left them on its disk.
  "$debugfs" -R "dump /served $scratch/served.after" "$image" >/dev/null 2>&1 || true
  "$debugfs" -R "dump /readonly $scratch/readonly.after" "$image" >/dev/null 2>&1 || true
  # Expected: the original with the counter at 1024 (two clients x 500 adds, then the Python
  # client's 24) and the client's 4 KiB (pattern seed 13) at 32768.
  truncate -s 4096 "$scratch/payload" && "$pattern" fill "$scratch/payload" 13 >/dev/null
  python3 - "$scratch" <<'PY' >"$scratch/served.verdict"
import struct, sys
d = sys.argv[1]
want = bytearray(open(f"{d}/served.original", "rb").read())
want[0:8] = struct.pack("<Q", 1024)
want[32768:36864] = open(f"{d}/payload", "rb").read()
try:
    got = open(f"{d}/served.after", "rb").read()
except OSError:
    print("FAIL no /served in the image"); sys.exit()
if got == bytes(want):
    print(f"PASS {len(got)} bytes: counter {struct.unpack_from('<Q', got)[0]}, the client's 4 KiB at 32768, the rest the host's pattern")
else:
    bad = [i for i in range(min(len(got), len(want))) if got[i] != want[i]]
    print(f"FAIL length {len(got)} (want {len(want)}), {len(bad)} bytes differ, first at {bad[:1]}, counter {struct.unpack_from('<Q', got)[0] if len(got) >= 8 else None}")
PY
  read -r verdict detail <"$scratch/served.verdict"
  if [ "$verdict" = PASS ]; then host_pass served-file "$detail"; else host_fail served-file "$detail"; fi
  "$debugfs" -R "dump /truncated $scratch/truncated.after" "$image" >/dev/null 2>&1 || true
  if [ -f "$scratch/truncated.after" ] && [ ! -s "$scratch/truncated.after" ]; then host_pass truncated-file "0 bytes: the remote write after the cut is in no file"
  else host_fail truncated-file "$(ls -l "$scratch/truncated.after" 2>&1)"; fi
  if cmp -s "$scratch/readonly.after" "$scratch/readonly.original"; then host_pass read-only-file "unchanged"
  else host_fail read-only-file "the read-only file changed (or is missing)"; fi
}
