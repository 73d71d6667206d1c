# Guest half of edu_devmem. edu's registers (QEMU docs/specs/edu.rst): 0x00 identification
# 0x010000ed, 0x04 liveness (reads back ~value), 0x08 factorial, 0x20 status (bit 0: computing),
# 0x80 DMA source (64-bit access allowed). Other widths and unimplemented offsets read all-ones.
edu_find || exit 1

# 1. mapio devmem prints exactly what busybox devmem prints, at each width edu answers to.
capture mapio devmem "$edu_bar0" 32
check_eq devmem-id 0x010000ED "$out"
for spec in 0x00:8 0x00:16 0x00:32 0x00:64 0x80:32 0x80:64 0x04:16; do
  offset=${spec%:*}; width=${spec#*:}
  address=$(printf '0x%x' $((edu_bar0 + offset)))
  theirs=$(devmem "$address" "$width" 2>&1)
  capture mapio devmem "$address" "$width"
  if [ $rc -ne 0 ]; then fail "devmem-width-$offset-$width" "mapio exit $rc: $out (busybox: $theirs)"
  else check_eq "devmem-width-$offset-$width" "$theirs" "$out"; fi
done
address=$(printf '0x%x' $((edu_bar0 + 4)))
capture mapio devmem "$address" 32 0x12345678
if [ $rc -ne 0 ] || [ -n "$out" ]; then fail devmem-write "exit $rc, output '$out' (a write prints nothing)"
else check_eq devmem-write 0xEDCBA987 "$(devmem "$address" 32)"; fi

# 2. mapio bar through the sysfs resource file.
capture mapio bar "$edu_bdf" 0 0x00
check_eq bar-id 0x010000ED "$out"
bad=
for v in 0x00000000 0xFFFFFFFF 0x12345678 0xA5A55A5A 0x00000001; do
  capture mapio bar "$edu_bdf" 0 0x04 32 "$v"
  [ $rc -eq 0 ] || bad="$bad write $v: exit $rc $out;"
  capture mapio bar "$edu_bdf" 0 0x04
  want=$(hex_width $(( ~v & 0xFFFFFFFF )) 32)
  [ "$out" = "$want" ] || bad="$bad $v read back '$out' not $want;"
done
if [ -z "$bad" ]; then pass bar-liveness; else fail bar-liveness "$bad"; fi

bad=
for n in 0 1 5 10 12 13; do
  capture mapio bar "$edu_bdf" 0 0x08 32 "$n"
  [ $rc -eq 0 ] || { bad="$bad write $n: exit $rc $out;"; continue; }
  polls=0
  while :; do
    status=$(mapio bar "$edu_bdf" 0 0x20)
    [ $(( status & 1 )) -eq 0 ] && break
    polls=$((polls + 1))
    [ $polls -lt 1000 ] || { bad="$bad factorial $n never finished (status $status);"; break; }
  done
  f=1; i=2
  while [ $i -le "$n" ]; do f=$((f * i)); i=$((i + 1)); done
  want=$(hex_width $(( f & 0xFFFFFFFF )) 32)   # edu computes in 32 bits: 13! wraps
  capture mapio bar "$edu_bdf" 0 0x08
  [ "$out" = "$want" ] || bad="$bad $n! read '$out' not $want;"
done
if [ -z "$bad" ]; then pass bar-factorial "0 1 5 10 12 13"; else fail bar-factorial "$bad"; fi

bad=
for offset in 0x0c 0x10 0x30 0x50 0x7c 0x100 0x1000 0xffffc; do
  capture mapio bar "$edu_bdf" 0 "$offset"
  [ "$out" = 0xFFFFFFFF ] || bad="$bad $offset read '$out';"
done
if [ -z "$bad" ]; then pass bar-unimplemented; else fail bar-unimplemented "$bad"; fi

# A dump through the BAR equals the same words through /dev/mem.
capture mapio bar "$edu_bdf" 0 0x00 '32*3'
words=$(echo $out)
theirs="$(devmem "$edu_bar0" 32) $(devmem $((edu_bar0 + 4)) 32) $(devmem $((edu_bar0 + 8)) 32)"
check_eq bar-matches-devmem "$theirs" "$words"

# 3. mapio pci: edu with its ids and BAR0 as sysfs has it.
capture mapio pci -d 1234:11e8
show pci "$out"
check_match pci-listed "^$edu_bdf +1234:11e8 " "$out"
size=$(bar_size "$edu" 0)
check_match pci-bar0 "Region 0: Memory at ${edu_bar0#0x} \(32-bit, non-prefetchable\) \[size=$((size >> 20))M\]" "$out"

# 4. The edu example over the sysfs resource file.
if need_program edu; then
  capture edu --resource "$edu/resource0" info
  show edu "$out"
  if [ $rc -eq 0 ]; then check_match edu-example-info "0x010000ed|0x010000ED" "$out"; else fail edu-example-info "exit $rc: $out"; fi
  capture edu --resource "$edu/resource0" liveness
  show edu "$out"
  if [ $rc -eq 0 ]; then pass edu-example-liveness; else fail edu-example-liveness "exit $rc: $out"; fi
  capture edu --resource "$edu/resource0" factorial 10
  show edu "$out"
  if [ $rc -eq 0 ]; then check_match edu-example-factorial "3628800" "$out"; else fail edu-example-factorial "exit $rc: $out"; fi
fi

# 5. The device tests (tests/vm/device_test) for what this machine offers with edu unbound:
# PhysicalWindow over /dev/mem, PCI enumeration, config space, BAR0 with typed registers.
run_device_test device-test 'PhysicalWindow.*:PciBus.*:PciConfigSpace.*:PciDevice.*'
