# mapio's cost per RDMA operation over raw verbs on one soft-RoCE link (run by hand:
# bash tests/vm/run.sh --timeout 900 WORK rdma_bench; figures in docs/benchmarks.md). The two
# machines of vm.rdma; perftest's ib_read_lat and valgrind's callgrind come in an archive appended
# to the bench's initramfs. Afterwards the host reads callgrind's file off the client's disk and
# prints the per-call instruction counts of the two post paths.
expect=(server-setup client-setup server-done client-done)

run_scenario() {
  local root=$scratch/bench-root lib f
  rm -rf "$root" && mkdir -p "$root/usr/bin" "$root/usr/libexec/valgrind"
  for f in /usr/bin/ib_read_lat /usr/bin/valgrind /usr/bin/valgrind.bin /usr/libexec/valgrind/callgrind-amd64-linux \
           /usr/libexec/valgrind/vgpreload_core-amd64-linux.so /usr/libexec/valgrind/default.supp; do
    [ -e "$f" ] || { host_fail client-setup "$f is missing on the host (perftest, valgrind)"; return; }
    cp "$f" "$root$f"
    for lib in $(ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
      [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
    done
  done
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$scratch/bench.cpio.gz"
  cat "$work/initramfs.cpio.gz" "$scratch/bench.cpio.gz" >"$scratch/initrd.cpio.gz"
  initrd=$scratch/initrd.cpio.gz
  local disk=$scratch/callgrind.img port
  rm -f "$disk" && truncate -s 64M "$disk"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  qemu_args=(-netdev "socket,id=n0,listen=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:00:03:01)
  append="mapio.role=server"
  vm_start "$log"
  local server_pid=$vm_pid
  for i in $(seq 100); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
  qemu_args=(-netdev "socket,id=n0,connect=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:00:03:02
             -drive "file=$disk,if=virtio,format=raw")
  append="mapio.role=client"
  vm_start "$scratch/client.log"
  local client_pid=$vm_pid
  vm_pid=$client_pid; vm_wait_exit "$timeout" || host_fail timeout "client still running after $timeout s"
  vm_pid=$server_pid; vm_wait_exit 60 || host_fail timeout "server still running after the client"
  echo "----- client console -----"; tr -d '\r' <"$scratch/client.log"; echo "----- end of client console -----"
  tr -d '\r' <"$scratch/client.log" | grep -a '^MAPIO-RESULT ' >>"$results" || true
  local bytes
  bytes=$(tr -d '\r' <"$scratch/client.log" | sed -n 's/^callgrind-bytes \([0-9]*\)$/\1/p')
  if [ -n "$bytes" ]; then
    head -c "$bytes" "$disk" >"$scratch/callgrind.out"
    callgrind_annotate --inclusive=yes "$scratch/callgrind.out" 2>/dev/null |
      grep -E 'raw_post|raw_complete|mapio_read|State::post|State::complete|Connection::read|State::transfer|post_send|poll_cq' |
      tee "$scratch/callgrind.summary"
  fi
}
