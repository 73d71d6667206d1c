# Guest half of edu_uio_irq.
edu_find || exit 1
load_module uio_pci_generic || { fail uio-bound "cannot load uio_pci_generic"; exit 1; }
echo "1234 11e8" >/sys/bus/pci/drivers/uio_pci_generic/new_id
i=0
while [ ! -c /dev/uio0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
driver=$(basename "$(readlink "$edu/driver")")
if [ "$driver" = uio_pci_generic ] && [ -c /dev/uio0 ]; then pass uio-bound "$(ls -l /dev/uio0)"
else fail uio-bound "driver '$driver', /dev/uio0: $(ls -l /dev/uio0 2>&1)"; exit 1; fi

capture mapio uio
show uio "$out"
check_match mapio-uio-list "uio0.*uio_pci_generic" "$out"

need_program edu || exit 1
capture edu --resource "$edu/resource0" irq --uio 0
show edu "$out"
[ $rc -eq 0 ] || fail edu-irq-result "exit $rc"
check_match edu-irq-raise "^raise 0x00c0ffee: interrupt received \(uio count 1, status 0x00c0ffee," "$out"
check_match edu-irq-factorial "^factorial: interrupt received \(uio count 2, status 0x00000001," "$out"
check_match edu-irq-result "^irq: 2 interrupts received and acknowledged" "$out"
check_eq uio-count-after-example 2 "$(cat /sys/class/uio/uio0/event)"

# The CLI: wait in the background, raise with mapio bar, acknowledge, re-enable. UIO counts
# interrupts from the moment /dev/uio0 is opened, so raise only once the waiter holds it open.
mapio uio wait 0 --timeout 20 >/tmp/wait.out 2>&1 &
waiter=$!
i=0
while ! ls -l /proc/$waiter/fd 2>/dev/null | grep -q /dev/uio0 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
mapio bar "$edu_bdf" 0 0x60 32 0x4
wait $waiter
rc=$?
status=$(mapio bar "$edu_bdf" 0 0x24)
mapio bar "$edu_bdf" 0 0x64 32 "$status"
mapio uio enable 0
if [ $rc -eq 0 ]; then check_match cli-wait "3" "$(cat /tmp/wait.out)"; else fail cli-wait "exit $rc: $(cat /tmp/wait.out)"; fi
check_eq cli-ack "0x00000004 0x00000000" "$status $(mapio bar "$edu_bdf" 0 0x24)"
check_eq cli-count 3 "$(cat /sys/class/uio/uio0/event)"

# The device tests (tests/vm/device_test) for UIO, and the PCI ones again with a driver bound (the
# sysfs BAR still maps: uio_pci_generic claims no regions). Last, since they raise interrupts of
# their own and the counts above are absolute.
run_device_test device-test 'Uio.*:PciBus.*:PciConfigSpace.*:PciDevice.*'
