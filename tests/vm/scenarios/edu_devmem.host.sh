# /dev/mem and the sysfs BAR on QEMU's edu device: `mapio devmem` against busybox devmem at every
# width, `mapio bar` register work (identification, liveness, factorial with status polling,
# unimplemented offsets), `mapio pci` against sysfs, the edu example over the resource file, and
# the device tests for /dev/mem and PCI (vm_device_test).
qemu_args=(-device edu)
expect=(
  devmem-id devmem-width-0x00-8 devmem-width-0x00-16 devmem-width-0x00-32 devmem-width-0x00-64
  devmem-width-0x80-32 devmem-width-0x80-64 devmem-width-0x04-16 devmem-write
  bar-id bar-liveness bar-factorial bar-unimplemented bar-matches-devmem
  pci-listed pci-bar0 edu-example-info edu-example-liveness edu-example-factorial
  device-test
)
