# Guest half of rdma: two machines, each with soft-RoCE (rdma_rxe) on its virtio NIC, joined by
# QEMU's socket network backend. The kernel command line says which one this is
# (mapio.role=server or client). The server serves files of a disk the host wrote and checks after
# poweroff; the client does everything remote. They talk only over RDMA: the client's
# "kill" and "done" requests are words it writes into a served region (the mailbox), which the
# server polls with plain reads of the file.
role=
for word in $(cat /proc/cmdline); do
  case "$word" in mapio.role=*) role=${word#mapio.role=} ;; esac
done
server_ip=10.0.3.1
client_ip=10.0.3.2
mailbox=61440   # offset in the scratch region (port 7474)

# Every set-up step that fails is a failure of the scenario, never a skip.
need_program rdma || { fail "$role-rxe-link" "the rdma tool (iproute2) is not in the guest"; exit 1; }
need_program vm_rdma_check || exit 1
modules="crc32_generic virtio_pci virtio_net rdma_rxe rdma_ucm"
[ "$role" = server ] && modules="$modules virtio_blk crc32c_generic ext4"
for m in $modules; do
  load_module $m || { fail "$role-rxe-link" "insmod $m failed"; exit 1; }
done
ip link set lo up
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up
if [ "$role" = server ]; then ip addr add $server_ip/24 dev eth0; else ip addr add $client_ip/24 dev eth0; fi
if rdma link add rxe0 type rxe netdev eth0 >/tmp/link.log 2>&1; then
  pass "$role-rxe-link" "$(rdma link show 2>&1 | head -n1)"
else
  fail "$role-rxe-link" "$(cat /tmp/link.log); interfaces: $(ls /sys/class/net | tr '\n' ' '); modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
  exit 1
fi

# waited SECONDS CMD...: runs CMD with a time limit; $rc is its status, $out its output, $took the
# whole seconds it ran.
waited() {
  local limit=$1 start
  shift
  start=$(date +%s)
  out=$(timeout "$limit" "$@" 2>&1)
  rc=$?
  took=$(( $(date +%s) - start ))
}
one_line() { printf '%s' "$1" | tr '\n' '|' | cut -c1-400; }

if [ "$role" = server ]; then
  for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
  mount -t ext4 /dev/vda /mnt || { fail server-mount "mount -t ext4 /dev/vda failed"; exit 1; }
  pass server-mount "$(ls -l /mnt | tr '\n' '|')"
  # The scratch region (the device test program's checks and the mailbox), and a large region whose
  # server is killed while a client reads it.
  { head -c 8 /dev/zero; head -c 65528 /dev/urandom; } >/tmp/scratch
  dd if=/dev/zero of=/tmp/victim bs=1M count=48 2>/dev/null
  head -c 512 /dev/urandom >/tmp/small   # for `mapio rdma bench`: three sizes (8, 64, 512 bytes)
  mapio rdma serve /mnt/served --write --atomic --port 7471 --for 170 >/tmp/served.log 2>&1 &
  served=$!
  mapio rdma serve /mnt/readonly --port 7472 --for 170 >/tmp/readonly.log 2>&1 &
  readonly_server=$!
  mapio rdma serve /tmp/victim --port 7473 --for 170 >/tmp/victim.log 2>&1 &
  victim=$!
  mapio rdma serve /tmp/scratch --write --atomic --port 7474 --for 170 >/tmp/scratch.log 2>&1 &
  scratch=$!
  mapio rdma serve /mnt/truncated --write --port 7475 --for 170 >/tmp/truncated.log 2>&1 &
  truncated=$!
  mapio rdma serve /tmp/small --port 7476 --tcp-port 7486 --for 170 >/tmp/small.log 2>&1 &
  small=$!
  # The example program's own server: 4 KiB of anonymous memory, until the client swaps its stop word.
  counter=
  if need_program rdma_counter; then
    rdma_counter serve 7477 >/tmp/counter.log 2>&1 &
    counter=$!
  fi
  counter_ready='^serving 4096 bytes (read,write,atomic) on port 7477$'
  all="/tmp/served.log /tmp/readonly.log /tmp/victim.log /tmp/scratch.log /tmp/truncated.log /tmp/small.log"
  for i in $(seq 100); do
    [ "$(cat $all | grep -c 'bytes, ')" = 6 ] && grep -q 'over TCP on' /tmp/small.log && grep -q "$counter_ready" /tmp/counter.log && break
    sleep 0.1
  done
  logs=$(cat $all)
  if [ "$(printf '%s\n' "$logs" | grep -c 'bytes, ')" = 6 ] && grep -q 'over TCP on' /tmp/small.log; then pass server-ready "$(one_line "$logs")"
  else fail server-ready "$(one_line "$logs")"; fi
  if grep -q "$counter_ready" /tmp/counter.log; then pass server-counter-ready "$(one_line "$(cat /tmp/counter.log)")"
  else fail server-counter-ready "$(one_line "$(cat /tmp/counter.log 2>&1)")"; fi

  # wait_for WORD SECONDS: until the client writes WORD into the mailbox.
  wait_for() {
    local i=0
    while [ $i -lt $(( $2 * 10 )) ]; do
      [ "$(dd if=/tmp/scratch bs=1 skip=$mailbox count=${#1} 2>/dev/null)" = "$1" ] && return 0
      sleep 0.1
      i=$((i + 1))
    done
    return 1
  }
  # The file under a registered region is cut to nothing while served; the client reads and
  # writes the region afterwards (docs/rdma.md says what happens).
  if wait_for cut 150; then
    truncate -s 0 /mnt/truncated
    printf 'cut' | dd of=/tmp/scratch bs=1 seek=$((mailbox + 16)) conv=notrunc 2>/dev/null
  else fail server-truncated "the client never asked for the cut"; fi
  if wait_for kill 150; then
    kill -9 $victim
    pass server-killed "SIGKILL to the server of /tmp/victim (pid $victim) on the client's request"
  else fail server-killed "the client never asked (mailbox: $(dd if=/tmp/scratch bs=1 skip=$mailbox count=8 2>/dev/null))"; fi
  if wait_for done 150; then
    kill -TERM $served
    wait $served
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^flushed /mnt/served' /tmp/served.log; then pass server-flushed "$(one_line "$(cat /tmp/served.log)")"
    else fail server-flushed "exit $rc: $(one_line "$(cat /tmp/served.log)")"; fi
  else fail server-flushed "the client never said done"; fi
  # rdma_counter ends by itself once the client has swapped its stop word, which the client did
  # long before it said done; then it prints what its page holds.
  if [ -n "$counter" ]; then
    for i in $(seq 100); do kill -0 $counter 2>/dev/null || break; sleep 0.1; done
    if kill -0 $counter 2>/dev/null; then
      kill -9 $counter
      wait $counter
      fail server-counter "rdma_counter serve still running 10 s after the client said done (killed): $(one_line "$(cat /tmp/counter.log)")"
    else
      wait $counter
      rc=$?
      last=$(tail -n1 /tmp/counter.log)
      if [ $rc -eq 0 ] && [ "$last" = 'stopped by the client: counter 3, note "hello over RDMA"' ]; then
        pass server-counter "$(one_line "$(cat /tmp/counter.log)")"
      else fail server-counter "exit $rc: $(one_line "$(cat /tmp/counter.log)")"; fi
    fi
  fi
  kill -TERM $readonly_server $scratch $truncated $small
  wait $readonly_server $scratch $truncated $small
  size=$(stat -c %s /mnt/truncated)
  if [ "$size" = 0 ] && grep -q 'refused a peer: ibv_reg_mr.*EFAULT' /tmp/truncated.log; then
    pass server-truncated "the cut file is still 0 bytes after the client's write; server: $(one_line "$(cat /tmp/truncated.log)")"
  else fail server-truncated "the cut file has $size bytes: $(one_line "$(cat /tmp/truncated.log)")"; fi
  umount /mnt && pass server-unmounted || fail server-unmounted "umount /mnt failed"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# The client.
mapio rdma devices >/tmp/devices.log 2>&1
if grep -q '^rxe0 ' /tmp/devices.log && grep -q 'port 1: active, Ethernet' /tmp/devices.log; then
  pass client-rdma-devices "$(one_line "$(cat /tmp/devices.log)")"
else fail client-rdma-devices "$(one_line "$(cat /tmp/devices.log)")"; fi

# The other machine boots at the same time: wait for its server.
up=0
for i in $(seq 120); do
  if mapio rdma read $server_ip:7471 0 8 --timeout 2 >/dev/null 2>/tmp/wait.log; then up=1; break; fi
  sleep 0.5
done
[ $up = 1 ] || { fail client-read "the server never answered: $(cat /tmp/wait.log)"; exit 1; }
say() { printf '%-8s' "$1" | mapio rdma write $server_ip:7474 $mailbox; }

# The host's pattern (seed 11, words 1..8191; word 0 is the counter, zero), byte for byte.
waited 60 mapio rdma read $server_ip:7471 0 65536 -o /tmp/got
if [ $rc -eq 0 ] && vm_pattern check /tmp/got 11 1 >/tmp/check.log 2>&1 && [ "$(od -An -tx1 -N8 /tmp/got | tr -d ' ')" = 0000000000000000 ]; then
  pass client-read "65536 bytes: the host's pattern, counter 0 ($took s)"
else fail client-read "exit $rc: $(one_line "$out") $(cat /tmp/check.log)"; fi

# 4 KiB (pattern seed 13) written at 32768; the host finds it in the file after poweroff.
head -c 4096 /dev/zero >/tmp/payload
vm_pattern fill /tmp/payload 13 >/dev/null
waited 60 sh -c "mapio rdma write $server_ip:7471 32768 </tmp/payload"
write_rc=$rc
waited 60 mapio rdma read $server_ip:7471 32768 4096 -o /tmp/back
if [ $write_rc -eq 0 ] && [ $rc -eq 0 ] && cmp -s /tmp/back /tmp/payload; then pass client-write "4096 bytes at 32768 read back"
else fail client-write "write exit $write_rc, read exit $rc: $(one_line "$out")"; fi

# Two clients at once on the counter at offset 0: 500 fetch-and-adds each.
vm_rdma_check $server_ip 7471 add 500 >/tmp/add1.log 2>&1 &
a1=$!
vm_rdma_check $server_ip 7471 add 500 >/tmp/add2.log 2>&1 &
a2=$!
wait $a1; r1=$?
wait $a2; r2=$?
waited 30 mapio rdma read $server_ip:7471 0 8 -o /tmp/counter
counter=$(od -An -tu8 /tmp/counter | tr -d ' ')
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ "$counter" = 1000 ]; then
  pass client-fetch-add "counter 1000: $(cat /tmp/add1.log) / $(cat /tmp/add2.log)"
else fail client-fetch-add "exits $r1 $r2, counter '$counter': $(one_line "$(cat /tmp/add1.log /tmp/add2.log)")"; fi

# The Python client (mapio.rdma; only this machine has Python): the read-only file's pattern byte
# for byte, a write to the scratch region read back, a refused write, and a fetch-and-add on the
# counter the two adders left at 1000 (the host expects 1024 in the file after poweroff).
if [ -x /usr/bin/python3 ]; then
  start=$(date +%s)
  timeout 120 env PYTHONPATH=/opt/mapio/python /usr/bin/python3 -S /vm/rdma_client.py $server_ip 1000 "$(vm_pattern word 12 8191)" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  if [ $rc -eq 0 ]; then pass client-python "exit 0 ($took s)"; else fail client-python "exit $rc ($took s)"; fi
else fail client-python "no python3 in the client (the scenario's archive is missing)"; fi

# The example program rdma_counter against its server (port 7477): a note written and read back,
# three fetch-and-adds from 0, the stop word swapped, and a request past the page refused locally.
if need_program rdma_counter; then
  waited 30 rdma_counter client $server_ip 7477
  want='connected to 10.0.3.1:7477: 4096 bytes, read,write,atomic
wrote and read back "hello over RDMA"
counter was 0, now 1
counter was 1, now 2
counter was 2, now 3
asked the server to stop'
  if [ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | head -n6)" = "$want" ] && [ "$(printf '%s\n' "$out" | wc -l)" = 7 ] &&
     printf '%s\n' "$out" | tail -n1 | grep -q '^refused locally: .*ERANGE'; then
    pass client-counter "$(one_line "$out") ($took s)"
  else fail client-counter "exit $rc ($took s): $(one_line "$out")"; fi
fi

# The device test program: READ, WRITE, CAS, FAA, a batch, refusals before posting.
waited 60 vm_rdma_check $server_ip 7474 full
if [ $rc -eq 0 ]; then pass client-ops "$(one_line "$out")"; else fail client-ops "exit $rc: $(one_line "$out")"; fi

# `mapio rdma bench` beside a TCP copy of the same bytes from the same server: a header naming
# both, and one row per size (8, 64, 512: the region's 512 bytes) of six figures. No timing is
# judged here (docs/benchmarks.md).
waited 120 mapio rdma bench $server_ip:7476 --tcp-port 7486
sizes=$(printf '%s\n' "$out" | awk 'NR > 1 { if (NF != 7) bad = 1; for (i = 2; i <= 7; i++) if ($i !~ /^[0-9]+\.[0-9]+$/) bad = 1; printf "%s ", $1 }
                                    END { exit bad }') && shape=ok || shape=bad
header=$(printf '%s\n' "$out" | head -n1)
if [ $rc -eq 0 ] && [ "$shape" = ok ] && [ "$sizes" = "8 64 512 " ] && printf '%s' "$header" | grep -q 'read MB/s.*tcp median µs.*tcp mean µs.*tcp MB/s'; then
  pass client-bench "$(one_line "$out") ($took s)"
else fail client-bench "exit $rc, sizes '$sizes', shape $shape: $(one_line "$out")"; fi

# Refusals: each exits 1 with the reason, in time, and writes nothing.
waited 30 mapio rdma read $server_ip:7471 65000 1000 -o /tmp/out-of-range
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q ERANGE && [ ! -e /tmp/out-of-range ]; then pass client-out-of-range "$out ($took s)"
else fail client-out-of-range "exit $rc ($took s): $(one_line "$out")"; fi

waited 30 sh -c "printf 'must not land' | mapio rdma write $server_ip:7472 0"
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q EACCES; then pass client-read-only "$out ($took s)"
else fail client-read-only "exit $rc ($took s): $(one_line "$out")"; fi

waited 30 sh -c "head -c 200 /dev/zero | mapio rdma write $server_ip:7471 65400"
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q EFBIG; then pass client-too-long "$out ($took s)"
else fail client-too-long "exit $rc ($took s): $(one_line "$out")"; fi

waited 30 mapio rdma read $server_ip:7479 0 8
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q ECONNREFUSED; then pass client-refused "$out ($took s)"
else fail client-refused "exit $rc ($took s): $(one_line "$out")"; fi

# A served file cut to 0 bytes under a connection's registered region: the pinned pages leave
# the file but not the region, so the connection made before still reads the bytes they held and
# its write completes, into pages no file holds (the file stays empty); a new connection is
# refused, since the server cannot register pages past the end of the file.
waited 60 vm_rdma_check $server_ip 7475 cut 7474 $mailbox
if [ $rc -eq 0 ]; then pass client-truncated "$(one_line "$out")"; else fail client-truncated "exit $rc: $(one_line "$out")"; fi

# The server is killed (SIGKILL) while a 48 MiB `mapio rdma read` and the device test program's
# reader are connected to it.
vm_rdma_check $server_ip 7473 hold 60 >/tmp/hold.log 2>&1 &
holder=$!
start=$(date +%s)
timeout 60 mapio rdma read $server_ip:7473 0 48M -o /tmp/big >/tmp/big.log 2>&1 &
reader=$!
for i in $(seq 50); do grep -q connected /tmp/hold.log && break; sleep 0.1; done
sleep 1
if kill -0 $reader 2>/dev/null; then running=yes; else running=no; fi
say kill
wait $reader; big_rc=$?
big_took=$(( $(date +%s) - start ))
wait $holder; hold_rc=$?
if [ $running = yes ] && [ $big_rc -eq 1 ] && grep -q 'EPIPE\|ETIMEDOUT' /tmp/big.log && [ ! -e /tmp/big ]; then
  pass client-killed-cli "$(cat /tmp/big.log) ($big_took s)"
else fail client-killed-cli "still running before the kill: $running; exit $big_rc ($big_took s): $(one_line "$(cat /tmp/big.log)"); output file: $(ls -l /tmp/big 2>&1)"; fi
if [ $hold_rc -eq 0 ] && grep -q '^ended errno=' /tmp/hold.log; then pass client-killed-program "$(one_line "$(cat /tmp/hold.log)")"
else fail client-killed-program "exit $hold_rc: $(one_line "$(cat /tmp/hold.log)")"; fi

say done
pass client-finished
