# Refusals with explanations: /dev/mem on System RAM (STRICT_DEVMEM), on a BAR a driver has
# claimed (IO_STRICT_DEVMEM: virtio_pci claims its virtio-rng device's BAR; uio_pci_generic,
# bound to edu, claims nothing), and without root (including configuration space past 64 bytes).
qemu_args=(-device edu -device virtio-rng-pci)
expect=(devmem-before-bind devmem-system-ram nonroot-devmem-read nonroot-devmem-write nonroot-bar nonroot-no-write
        nonroot-config
        devmem-uio-unclaimed devmem-claimed bar-claimed)
