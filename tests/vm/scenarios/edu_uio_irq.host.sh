# Interrupts through UIO: edu bound to uio_pci_generic; the edu example raises an interrupt by hand
# (0x60) and one by a finished factorial (status bit 7), receives both through /dev/uio0 and
# acknowledges them (0x64); then `mapio uio wait` receives one raised with `mapio bar`. The
# kernel's event count must match what was received. Then the device tests for UIO and PCI
# (vm_device_test).
qemu_args=(-device edu)
expect=(uio-bound mapio-uio-list edu-irq-raise edu-irq-factorial edu-irq-result uio-count-after-example
        cli-wait cli-ack cli-count device-test)
