# Guest half of rdma_bench (run by hand, not by CTest; docs/benchmarks.md): the same two machines
# as vm.rdma; the client times 8-byte RDMA READs with perftest's ib_read_lat, `mapio rdma bench`
# and vm_rdma_overhead (raw verbs and mapio in one process), then counts the post paths'
# instructions under callgrind and leaves callgrind's file on its disk for the host.
role=
for word in $(cat /proc/cmdline); do
  case "$word" in mapio.role=*) role=${word#mapio.role=} ;; esac
done
server_ip=10.0.3.1
for m in crc32_generic virtio_pci virtio_net virtio_blk rdma_rxe rdma_ucm; do
  load_module $m || { fail "$role-setup" "insmod $m failed"; exit 1; }
done
ip link set lo up
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up
if [ "$role" = server ]; then ip addr add $server_ip/24 dev eth0; else ip addr add 10.0.3.2/24 dev eth0; fi
rdma link add rxe0 type rxe netdev eth0 || { fail "$role-setup" "rdma link add failed"; exit 1; }
pass "$role-setup"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo)"

if [ "$role" = server ]; then
  head -c 1048576 /dev/urandom >/tmp/region
  head -c 4096 /dev/zero >/tmp/mailbox
  mapio rdma serve /tmp/region --port 7471 --for 900 >/tmp/region.log 2>&1 &
  mapio rdma serve /tmp/mailbox --write --port 7474 --for 900 >/tmp/mailbox.log 2>&1 &
  # perftest's server answers one client a time; one per client run.
  for run in "8 5000" "8 5000" "4096 500"; do set -- $run; ib_read_lat -d rxe0 -F -s $1 -n $2 >/tmp/perftest-server.log 2>&1; done &
  i=0
  while [ "$(head -c 4 /tmp/mailbox)" != done ] && [ $i -lt 8000 ]; do sleep 0.1; i=$((i + 1)); done
  pass server-done
  exit 0
fi

for i in $(seq 120); do mapio rdma read $server_ip:7471 0 8 --timeout 2 >/dev/null 2>&1 && break; sleep 0.5; done
perftest() {
  local i
  for i in $(seq 50); do
    ib_read_lat -d rxe0 -F -s $1 -n $2 $server_ip >/tmp/perftest.log 2>&1 && { show "ib_read_lat -s $1" "$(cat /tmp/perftest.log)"; return 0; }
    sleep 0.3
  done
  fail perftest "$(cat /tmp/perftest.log)"
}
perftest 8 5000
show "mapio rdma bench" "$(mapio rdma bench $server_ip:7471 2>&1)"
show overhead "$(vm_rdma_overhead $server_ip 7471 5000 2>&1)"
perftest 8 5000
perftest 4096 500
show overhead "$(vm_rdma_overhead $server_ip 7471 5000 2>&1)"
valgrind --tool=callgrind --callgrind-out-file=/tmp/callgrind.out vm_rdma_overhead $server_ip 7471 1000 >/tmp/cg.log 2>&1
show callgrind "$(tail -n 5 /tmp/cg.log)"
for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
echo "callgrind-bytes $(wc -c </tmp/callgrind.out)"
dd if=/tmp/callgrind.out of=/dev/vda bs=64k conv=fsync 2>/dev/null
printf done | mapio rdma write $server_ip:7474 0
pass client-done
