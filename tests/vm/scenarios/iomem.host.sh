# Discovery: `mapio iomem` and `mapio ioports` against the guest's /proc/iomem and /proc/ioports,
# line for line (ranges, names, nesting), and the edu BAR under its PCI bus.
qemu_args=(-device edu)
expect=(iomem-raw iomem-default ioports-raw ioports-default iomem-edu-under-bus iomem-json)
