# RDMA over soft-RoCE: a file served by `mapio rdma serve` and reached with one-sided READ, WRITE
# and atomics through rdma_rxe on the guest's virtio NIC (rxe loops traffic to its own address
# back inside the device, so one guest holds both ends).
qemu_args=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0)
expect=(rxe-link rdma-devices rdma-read rdma-write rdma-ops read-only-refused write-too-long-refused
        connection-refused peer-killed served-file-intact)
