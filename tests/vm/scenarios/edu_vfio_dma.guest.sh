# Guest half of edu_vfio_dma. Transfers stay below 4096 bytes: QEMU 7.2's edu aborts on a DMA that
# touches the last byte of its buffer.
edu_find || exit 1
load_module vfio_iommu_type1 || { fail vfio-bound "cannot load vfio_iommu_type1"; exit 1; }
load_module vfio_pci || { fail vfio-bound "cannot load vfio_pci"; exit 1; }
echo "1234 11e8" >/sys/bus/pci/drivers/vfio-pci/new_id
driver=$(basename "$(readlink "$edu/driver")")
group=$(basename "$(readlink "$edu/iommu_group")")
if [ "$driver" = vfio-pci ]; then pass vfio-bound "$(ls /dev/vfio | tr '\n' ' ')"; else fail vfio-bound "driver '$driver'"; exit 1; fi
if [ -c "/dev/vfio/$group" ]; then pass iommu-group "group $group"; else fail iommu-group "no /dev/vfio/$group"; fi

# What VFIO offers for edu, as `mapio vfio` reports it: BAR0 (1 MiB, mappable whole, its size
# as sysfs has it), config space, no other BARs, one MSI and one INTx vector.
capture mapio vfio "$edu_bdf"
show vfio "$out"
if [ $rc -eq 0 ]; then
  check_match vfio-header "^$edu_bdf: IOMMU group $group, VFIO_TYPE1v2_IOMMU, [0-9]+ regions, [0-9]+ interrupt kinds$" "$out"
  check_match vfio-bar0 "^BAR0 +1 MiB +read write +whole$" "$out"
  check_match vfio-config "^config +[0-9.]+ (bytes|KiB) +read write +-$" "$out"
  check_eq vfio-only-bar0 1 "$(printf '%s\n' "$out" | grep -c '^BAR')"
  check_match vfio-msi "^MSI +1 +eventfd" "$out"
  check_match vfio-intx "^INTx +1 +eventfd maskable automasked$" "$out"
else
  fail vfio-header "exit $rc: $out"
fi
sysfs_size=$(awk 'NR == 1 { printf "%d", strtonum($2) - strtonum($1) + 1 }' "$edu/resource" 2>/dev/null ||
             head -n1 "$edu/resource" | { read -r start end _; echo $((end - start + 1)); })
capture mapio vfio "$edu_bdf" --json
json_size=$(printf '%s\n' "$out" | tr -d ' \n' | sed 's/.*"name":"BAR0","size":\([0-9]*\).*/\1/')
check_eq vfio-json-bar0-size "$sysfs_size" "$json_size"

need_program edu || exit 1
capture edu dma --vfio "$edu_bdf"
show edu "$out"
if [ $rc -eq 0 ]; then check_match dma-msi "^dma: 4095 bytes host -> edu -> host, 0 mismatches, interrupts via MSI: ok" "$out"
else fail dma-msi "exit $rc"; fi
capture edu dma --vfio "$edu_bdf" --intx
show edu "$out"
if [ $rc -eq 0 ]; then check_match dma-intx "0 mismatches, interrupts via INTx: ok" "$out"
else fail dma-intx "exit $rc"; fi
bad=
for n in 1 100 4095; do
  capture edu dma --vfio "$edu_bdf" --length $n
  [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "^dma: $n bytes host -> edu -> host, 0 mismatches" || bad="$bad $n: exit $rc $(printf '%s' "$out" | tail -n1);"
done
if [ -z "$bad" ]; then pass dma-lengths "1 100 4095"; else fail dma-lengths "$bad"; fi


# While a VFIO user has BAR0 mapped, vfio-pci holds the BAR's region ("vfio" under the device in
# /proc/iomem): /dev/mem and the sysfs resource file are refused, and mapio says why. Once the
# user is gone the region is free again.
mkfifo /tmp/hold
vm_vfio_hold "$edu_bdf" </tmp/hold >/tmp/hold.out 2>&1 &
holder=$!
exec 3>/tmp/hold
i=0
while ! grep -q '^MAPIO-HOLDING' /tmp/hold.out && kill -0 $holder 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if grep -q '^MAPIO-HOLDING 0x010000ED' /tmp/hold.out; then
  show iomem "$(grep -A1 "$edu_bdf" /proc/iomem)"
  capture mapio devmem "$edu_bar0" 32
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "is claimed by 'vfio" && printf '%s' "$out" | grep -q "IO_STRICT_DEVMEM"; then
    pass devmem-claimed-by-vfio "$out"
  else
    fail devmem-claimed-by-vfio "exit $rc: $out"
  fi
  capture mapio bar "$edu_bdf" 0 0
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -qi "claimed\|vfio"; then pass bar-claimed-by-vfio "$out"
  else fail bar-claimed-by-vfio "exit $rc: $out"; fi
else
  fail devmem-claimed-by-vfio "vm_vfio_hold did not get the device: $(cat /tmp/hold.out)"
fi
exec 3>&-
wait $holder
capture mapio devmem "$edu_bar0" 32
check_eq devmem-after-vfio-release 0x010000ED "$out"

# The device tests (tests/vm/device_test) for VFIO: group, container, regions, BAR0 and config,
# a DMA round trip with an MSI, refused overlapping DMA mappings.
run_device_test device-test 'Vfio.*'

# Pinned DMA memory counts against RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK, which root
# has: vm_memlock_limit drops that capability, sets the limit and runs the command. With a limit
# of 0, VFIO_IOMMU_MAP_DMA fails (ENOMEM) and mapio must say that RLIMIT_MEMLOCK is the reason;
# with room for edu's two buffer pages the same command copies its bytes.
capture vm_memlock_limit 0 cat /proc/self/status /proc/self/limits
capeff=$(printf '%s\n' "$out" | sed -n 's/^CapEff:[[:space:]]*//p')
memlock=$(printf '%s\n' "$out" | awk '/^Max locked memory/ { print $4, $5 }')
if [ $rc -eq 0 ] && [ -n "$capeff" ] && [ $(( (0x$capeff >> 14) & 1 )) -eq 0 ] && [ $(( (0x$capeff >> 21) & 1 )) -eq 1 ] &&
   [ "$memlock" = "0 0" ]; then
  pass memlock-limited "CapEff $capeff (no CAP_IPC_LOCK, still CAP_SYS_ADMIN), Max locked memory $memlock"
else
  fail memlock-limited "exit $rc: CapEff '$capeff', Max locked memory '$memlock'"
fi
capture vm_memlock_limit 0 edu dma --vfio "$edu_bdf" --length 100
show memlock "$out"
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "VFIO_IOMMU_MAP_DMA" && printf '%s' "$out" | grep -q "exceeds RLIMIT_MEMLOCK (now 0 KiB)"; then
  pass dma-memlock-refused "exit $rc: $out"
else
  fail dma-memlock-refused "exit $rc: $out"
fi
capture vm_memlock_limit 1048576 edu dma --vfio "$edu_bdf" --length 100
if [ $rc -eq 0 ]; then check_match dma-memlock-enough "^dma: 100 bytes host -> edu -> host, 0 mismatches" "$out"
else fail dma-memlock-enough "exit $rc: $out"; fi
