# Guest half of vfio_group: edu (1234:11e8) and pci-testdev (1b36:0005) behind one PCI-PCI bridge
# share an IOMMU group. VFIO opens a group only when it is "viable": no device in it is used by a
# kernel driver that does DMA through the kernel's own IOMMU domain (uio_pci_generic is such a
# driver; vfio-pci and no driver at all are not).
edu_find || exit 1
testdev=$(pci_find 0x1b36 0x0005) || { fail shared-group "no pci-testdev (1b36:0005) in /sys/bus/pci/devices"; exit 1; }
testdev_bdf=$(basename "$testdev")
echo "pci-testdev is $testdev_bdf"

driver_of() { [ -e "$1/driver" ] && basename "$(readlink "$1/driver")" || echo none; }

# The grouping, as the kernel made it.
for g in /sys/kernel/iommu_groups/*; do
  echo "iommu group $(basename "$g"): $(ls "$g/devices" | tr '\n' ' ')"
done
group=$(basename "$(readlink "$edu/iommu_group")")
testdev_group=$(basename "$(readlink "$testdev/iommu_group")")
members=$(ls "/sys/kernel/iommu_groups/$group/devices" | tr '\n' ' ')
if [ -n "$group" ] && [ "$group" = "$testdev_group" ] && [ -e "/sys/kernel/iommu_groups/$group/devices/$edu_bdf" ] &&
   [ -e "/sys/kernel/iommu_groups/$group/devices/$testdev_bdf" ]; then
  pass shared-group "group $group: $members"
else
  fail shared-group "edu in group '$group', pci-testdev in group '$testdev_group'"
  exit 1
fi
for d in $members; do echo "$d: driver $(driver_of "/sys/bus/pci/devices/$d")"; done

# edu to vfio-pci, pci-testdev to uio_pci_generic: a group VFIO must refuse.
load_module vfio_iommu_type1 || { fail drivers-bound "cannot load vfio_iommu_type1"; exit 1; }
load_module vfio_pci || { fail drivers-bound "cannot load vfio_pci"; exit 1; }
load_module uio_pci_generic || { fail drivers-bound "cannot load uio_pci_generic"; exit 1; }
echo "1234 11e8" >/sys/bus/pci/drivers/vfio-pci/new_id
echo "1b36 0005" >/sys/bus/pci/drivers/uio_pci_generic/new_id
edu_driver=$(driver_of "$edu")
testdev_driver=$(driver_of "$testdev")
if [ "$edu_driver" = vfio-pci ] && [ "$testdev_driver" = uio_pci_generic ] && [ -c "/dev/vfio/$group" ]; then
  pass drivers-bound "edu: vfio-pci, pci-testdev: uio_pci_generic, /dev/vfio/$group"
else
  fail drivers-bound "edu: $edu_driver, pci-testdev: $testdev_driver, /dev/vfio: $(ls /dev/vfio 2>&1 | tr '\n' ' ')"
  exit 1
fi

need_program edu || exit 1
capture edu dma --vfio "$edu_bdf"
show edu "$out"
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "IOMMU group $group is not viable"; then
  pass not-viable-refused "exit $rc"
else
  fail not-viable-refused "exit $rc: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-400)"
fi
# The explanation names the device that is in the way and the driver it is bound to.
check_match not-viable-names-other "$testdev_bdf \\(uio_pci_generic\\)" "$out"
# `mapio vfio` opens the device the same way and is refused with the same explanation.
capture mapio vfio "$edu_bdf"
show vfio "$out"
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "IOMMU group $group is not viable.*$testdev_bdf (uio_pci_generic)"; then
  pass vfio-verb-not-viable "exit $rc"
else
  fail vfio-verb-not-viable "exit $rc: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-400)"
fi

# pci-testdev released: the group is viable and the very same command does its DMA.
echo "$testdev_bdf" >/sys/bus/pci/drivers/uio_pci_generic/unbind
echo "pci-testdev driver after unbind: $(driver_of "$testdev")"
capture edu dma --vfio "$edu_bdf"
show edu "$out"
if [ $rc -eq 0 ]; then check_match dma-after-unbind "^dma: 4095 bytes host -> edu -> host, 0 mismatches" "$out"
else fail dma-after-unbind "exit $rc: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-400)"; fi

# Both devices on vfio-pci (driver_override picks the driver for this one device): viable too.
echo vfio-pci >"$testdev/driver_override"
echo "$testdev_bdf" >/sys/bus/pci/drivers_probe
testdev_driver=$(driver_of "$testdev")
capture edu dma --vfio "$edu_bdf"
show edu "$out"
if [ "$testdev_driver" != vfio-pci ]; then fail dma-both-on-vfio "pci-testdev bound to '$testdev_driver', not vfio-pci"
elif [ $rc -eq 0 ]; then check_match dma-both-on-vfio "^dma: 4095 bytes host -> edu -> host, 0 mismatches" "$out"
else fail dma-both-on-vfio "exit $rc: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-400)"; fi
