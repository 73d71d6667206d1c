# A shared IOMMU group: edu and pci-testdev sit behind one conventional PCI-PCI bridge, so the IOMMU
# cannot tell their DMA apart (both reach it with the bridge's requester ID) and the kernel puts
# them in one IOMMU group. With edu on vfio-pci and pci-testdev on uio_pci_generic the group is not
# viable: `edu dma --vfio` must fail naming pci-testdev and its driver. Once pci-testdev is unbound,
# and again once it is bound to vfio-pci as well, the same DMA must work.
qemu_args=(-machine q35 -device intel-iommu
           -device pci-bridge,id=br1,chassis_nr=1
           -device edu,bus=br1,addr=1 -device pci-testdev,bus=br1,addr=2)
append="intel_iommu=on"
expect=(shared-group drivers-bound not-viable-refused not-viable-names-other vfio-verb-not-viable dma-after-unbind
        dma-both-on-vfio)
