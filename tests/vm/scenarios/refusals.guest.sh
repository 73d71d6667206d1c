# Guest half of refusals.
edu_find || exit 1
ram=$(awk -F' : ' '$2 == "System RAM" { split($1, r, "-"); print r[1], r[2] }' /proc/iomem | while read -r s e; do
  if [ $((0x$s)) -le $((0x1000000)) ] && [ $((0x$e)) -ge $((0x1000000)) ]; then echo 0x1000000; fi
done)
[ -n "$ram" ] || { fail devmem-system-ram "0x1000000 is not System RAM here: $(cat /proc/iomem | tr '\n' '|')"; }

capture mapio devmem "$edu_bar0" 32
check_eq devmem-before-bind 0x010000ED "$out"

# STRICT_DEVMEM: RAM above 1 MiB is refused, and mapio says that this is System RAM.
if [ -n "$ram" ]; then
  capture mapio devmem "$ram" 32
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "System RAM" && printf '%s' "$out" | grep -q "STRICT_DEVMEM"; then
    pass devmem-system-ram "$out"
  else
    fail devmem-system-ram "exit $rc: $out"
  fi
fi

# Without root: nobody may not open /dev/mem or the BAR's resource file, and mapio must say that
# this takes root (or CAP_SYS_RAWIO), not something else.
address=$(printf '0x%x' $((edu_bar0 + 4)))
as_nobody() {
  capture su -s /bin/sh nobody -c "id -u; $1"
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q '^65534$' && printf '%s' "$out" | grep -Eq "$3"; then pass "$2" "$out"
  else fail "$2" "exit $rc: $out"; fi
}
as_nobody "mapio devmem $address 32" nonroot-devmem-read "open only to root|needs CAP_SYS_RAWIO"
as_nobody "mapio devmem $address 32 0x1" nonroot-devmem-write "open only to root|needs CAP_SYS_RAWIO"
as_nobody "mapio bar $edu_bdf 0 0x04 32 0x1" nonroot-bar "only to root|run as root|CAP_SYS_ADMIN"
# The writes above must not have happened: liveness still holds root's last value.
check_eq nonroot-no-write 0xEDCBA987 "$(mapio devmem "$address" 32 0x12345678; mapio devmem "$address" 32)"

# Configuration space past the standard 64-byte header is for CAP_SYS_ADMIN only: for anyone else
# the kernel ends the read of sysfs `config` there. As nobody, `mapio pci --config` dumps exactly
# those 64 bytes (the same as root sees), says how many of how many it could read, and says why.
capture mapio pci -s "$edu_bdf" --config
root_rows=$(printf '%s\n' "$out" | grep -E '^0[0-3]0:')
root_total=$(printf '%s\n' "$out" | sed -n 's/.*config space (\([0-9]*\) of \([0-9]*\) bytes readable).*/\1 \2/p')
capture su -s /bin/sh nobody -c "id -u; mapio pci -s $edu_bdf --config"
show nobody "$out"
rows=$(printf '%s\n' "$out" | grep -E '^[0-9a-f]{3}:')
total=${root_total#* }
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^65534$' && [ "$root_total" = "$total $total" ] && [ -n "$root_rows" ] &&
   [ "$rows" = "$root_rows" ] && printf '%s' "$out" | grep -q "config space (64 of $total bytes readable)" &&
   printf '%s' "$out" | grep -q "without CAP_SYS_ADMIN the kernel shows only the first 64 bytes of configuration space"; then
  pass nonroot-config "$(printf '%s\n' "$out" | grep -v '^ ' | tr '\n' '|')"
else
  fail nonroot-config "exit $rc, root read '$root_total': $(printf '%s' "$out" | tr '\n' '|' | cut -c1-600)"
fi

# uio_pci_generic enables the device but requests no regions: /proc/iomem shows no claim under
# edu's BAR, so the kernel still lets /dev/mem map it, and mapio must read it too.
load_module uio_pci_generic || fail devmem-uio-unclaimed "cannot load uio_pci_generic"
echo "1234 11e8" >/sys/bus/pci/drivers/uio_pci_generic/new_id
driver=$(basename "$(readlink "$edu/driver")")
capture mapio devmem "$edu_bar0" 32
children=$(awk -v b="${edu_bar0#0x}-" 'index($0, b) { getline; print }' /proc/iomem)
if [ "$driver" = uio_pci_generic ] && [ "$out" = 0x010000ED ]; then pass devmem-uio-unclaimed "driver $driver; line after edu's BAR in /proc/iomem: '$children'"
else fail devmem-uio-unclaimed "driver '$driver', mapio devmem: exit $rc $out"; fi

# virtio_pci requests its BARs (they appear as "virtio-pci-modern" under the device in
# /proc/iomem): /dev/mem and the sysfs resource file are both refused, and mapio explains why.
load_module virtio_pci || fail devmem-claimed "cannot load virtio_pci"
rng=$(pci_find 0x1af4 0x1005 || pci_find 0x1af4 0x1044) || fail devmem-claimed "no virtio-rng device"
claimed=$(awk -F' : ' '$2 == "virtio-pci-modern" { sub(/^ */, "", $1); split($1, r, "-"); print r[1]; exit }' /proc/iomem)
show iomem "$(grep -B1 virtio-pci /proc/iomem)"
if [ -z "$claimed" ]; then
  fail devmem-claimed "no virtio-pci-modern range in /proc/iomem after loading virtio_pci"
  fail bar-claimed "no virtio-pci-modern range in /proc/iomem after loading virtio_pci"
else
  capture mapio devmem "0x$claimed" 32
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "claimed by 'virtio-pci-modern'" && printf '%s' "$out" | grep -q "IO_STRICT_DEVMEM"; then
    pass devmem-claimed "$out"
  else
    fail devmem-claimed "exit $rc: $out"
  fi
  # Which BAR of the device holds the claimed range?
  bar=
  for i in 0 1 2 3 4 5; do [ "$(bar_start "$rng" $i)" = "$(printf '0x%016x' 0x$claimed)" ] && bar=$i; done
  capture mapio bar "$(basename "$rng")" "${bar:-4}" 0
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -qi "claimed\|virtio-pci"; then pass bar-claimed "$out"
  else fail bar-claimed "BAR ${bar:-?}: exit $rc: $out"; fi
fi
