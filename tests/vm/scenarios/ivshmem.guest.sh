# Guest half of the ivshmem scenario (vendor 0x1af4, device 0x1110; BAR2 is the shared memory).
dev=$(pci_find 0x1af4 0x1110) || { fail bar2-size "no ivshmem device in /sys/bus/pci/devices"; exit 1; }
bdf=$(basename "$dev")
echo "ivshmem is $bdf, BAR2 at $(bar_start "$dev" 2)"
check_eq bar2-size 1048576 "$(bar_size "$dev" 2)"

out=$(vm_pattern check "$dev/resource2" 1 2>&1)
if [ $? -eq 0 ]; then pass guest-sees-host-pattern "$out"; else fail guest-sees-host-pattern "$out"; fi

out=$(vm_pattern fill "$dev/resource2" 2 2>&1)
if [ $? -eq 0 ]; then pass guest-fill "$out"; else fail guest-fill "$out"; fi
out=$(vm_pattern check "$dev/resource2" 2 2>&1)
if [ $? -eq 0 ]; then pass guest-rereads "$out"; else fail guest-rereads "$out"; fi
