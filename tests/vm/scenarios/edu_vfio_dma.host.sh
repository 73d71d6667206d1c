# DMA through VFIO: q35 with an emulated IOMMU (intel-iommu listed before edu, intel_iommu=on),
# edu bound to vfio-pci; the edu example copies a host buffer into edu and back into a second
# buffer, verifies every byte, and takes the completion interrupts through an eventfd (MSI, then
# INTx). `mapio vfio` reports its regions and interrupts. While a VFIO user holds the device,
# /dev/mem and the sysfs BAR are refused with reasons. Then the VFIO device tests (vm_device_test),
# and MAP_DMA without CAP_IPC_LOCK under a zero RLIMIT_MEMLOCK, refused with the reason.
qemu_args=(-machine q35 -device intel-iommu -device edu)
append="intel_iommu=on"
expect=(vfio-bound iommu-group vfio-header vfio-bar0 vfio-config vfio-only-bar0 vfio-msi vfio-intx vfio-json-bar0-size
        dma-msi dma-intx dma-lengths devmem-claimed-by-vfio bar-claimed-by-vfio
        devmem-after-vfio-release device-test memlock-limited dma-memlock-refused dma-memlock-enough)
