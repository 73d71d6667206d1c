# Guest half of rdma. The served file's bytes are known, so every transfer is checked against it.
need_program rdma || exit 1
need_program vm_rdma_check || exit 1
# rxe checksums its packets with the crypto API's "crc32", a module of its own in this kernel.
for m in crc32_generic virtio_pci virtio_net rdma_rxe rdma_ucm; do load_module $m || { fail rxe-link "insmod $m failed"; exit 1; }; done
ip link set lo up
for i in $(seq 30); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
if rdma link add rxe0 type rxe netdev eth0 >/tmp/link.log 2>&1; then pass rxe-link "$(rdma link show 2>&1 | head -n1)"
else fail rxe-link "$(cat /tmp/link.log); interfaces: $(ls /sys/class/net | tr "\n" " "); modules: $(cut -d" " -f1 /proc/modules | tr "\n" " "); $(ls /dev/infiniband 2>&1)"; exit 1; fi

mapio rdma devices >/tmp/devices.log 2>&1
if grep -q '^rxe0 ' /tmp/devices.log && grep -q 'port 1: active, Ethernet' /tmp/devices.log; then
  pass rdma-devices "$(tr '\n' '|' </tmp/devices.log)"
else fail rdma-devices "$(tr '\n' '|' </tmp/devices.log)"; fi

# 64 KiB: the first 8 bytes zero (the atomics' word), then a known pattern.
{ head -c 8 /dev/zero; head -c 65528 /dev/urandom; } >/tmp/served
cp /tmp/served /tmp/original
mapio rdma serve /tmp/served --write --atomic --port 7471 --for 120 >/tmp/serve.log 2>&1 &
server=$!
for i in $(seq 50); do grep -q serving /tmp/serve.log && break; sleep 0.1; done

mapio rdma read 10.0.2.15:7471 4096 1000 -o /tmp/got >/tmp/read.log 2>&1
dd if=/tmp/original of=/tmp/want bs=1 skip=4096 count=1000 2>/dev/null
if cmp -s /tmp/got /tmp/want; then pass rdma-read "1000 bytes at 4096 match the file"
else fail rdma-read "$(cat /tmp/read.log /tmp/serve.log | tr '\n' '|')"; fi

printf 'written over RDMA' | mapio rdma write 10.0.2.15:7471 32768 >/tmp/write.log 2>&1
got=$(dd if=/tmp/served bs=1 skip=32768 count=17 2>/dev/null)
if [ "$got" = "written over RDMA" ]; then pass rdma-write "the file holds '$got'"
else fail rdma-write "file holds '$got'; $(cat /tmp/write.log | tr '\n' '|')"; fi

vm_rdma_check 10.0.2.15 7471 full >/tmp/ops.log 2>&1
if [ $? -eq 0 ]; then pass rdma-ops "$(tr '\n' '|' </tmp/ops.log)"; else fail rdma-ops "$(tr '\n' '|' </tmp/ops.log)"; fi

# A read-only server: a write is refused by mapio before it reaches the wire.
cp /tmp/original /tmp/readonly
mapio rdma serve /tmp/readonly --port 7472 --for 60 >/tmp/serve2.log 2>&1 &
server2=$!
for i in $(seq 50); do grep -q serving /tmp/serve2.log && break; sleep 0.1; done
printf 'nope' | mapio rdma write 10.0.2.15:7472 0 >/tmp/ro.log 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'EACCES' /tmp/ro.log && cmp -s /tmp/readonly /tmp/original; then pass read-only-refused "$(cat /tmp/ro.log)"
else fail read-only-refused "exit $rc: $(cat /tmp/ro.log); server: $(tr '\n' '|' </tmp/serve2.log)"; fi
kill $server2 2>/dev/null

head -c 70000 /dev/zero | mapio rdma write 10.0.2.15:7471 0 >/tmp/long.log 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'EFBIG' /tmp/long.log; then pass write-too-long-refused "$(cat /tmp/long.log)"
else fail write-too-long-refused "exit $rc: $(cat /tmp/long.log)"; fi

mapio rdma read 10.0.2.15:7479 0 8 >/tmp/refused.log 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'ECONNREFUSED' /tmp/refused.log; then pass connection-refused "$(cat /tmp/refused.log)"
else fail connection-refused "exit $rc: $(cat /tmp/refused.log)"; fi

# The server dies (SIGKILL) under a connected reader: the reader is told, it does not hang.
vm_rdma_check 10.0.2.15 7471 hold 30 >/tmp/hold.log 2>&1 &
holder=$!
for i in $(seq 50); do grep -q connected /tmp/hold.log && break; sleep 0.1; done
kill -9 $server
wait $holder
rc=$?
if [ $rc -eq 0 ] && grep -q '^ended errno=' /tmp/hold.log; then pass peer-killed "$(tr '\n' '|' </tmp/hold.log)"
else fail peer-killed "exit $rc: $(tr '\n' '|' </tmp/hold.log)"; fi

# What the remote writes did to the file, and nothing else: bytes 8.. up to the pattern's writes.
dd if=/tmp/served of=/tmp/tail bs=1 skip=49152 2>/dev/null
dd if=/tmp/original of=/tmp/tail-want bs=1 skip=49152 2>/dev/null
if cmp -s /tmp/tail /tmp/tail-want; then pass served-file-intact "bytes past the written ranges unchanged"
else fail served-file-intact "the file changed outside the written ranges"; fi
