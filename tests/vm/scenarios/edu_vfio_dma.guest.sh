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

