# Guest half of the ivshmem scenario (vendor 0x1af4, device 0x1110; BAR2 is the shared memory,
# prefetchable, so it also has a write-combining resource2_wc).
dev=$(pci_find 0x1af4 0x1110) || { fail bar2-size "no ivshmem device in /sys/bus/pci/devices"; exit 1; }
bdf=$(basename "$dev")
bar2=$(printf '0x%x' "$(bar_start "$dev" 2)")
echo "ivshmem is $bdf, BAR2 at $bar2"
check_eq bar2-size 1048576 "$(bar_size "$dev" 2)"

# The host's pattern, through mapio's Mapping over the whole resource file...
out=$(vm_pattern check "$dev/resource2" 1 2>&1)
if [ $? -eq 0 ]; then pass guest-sees-host-pattern "$out"; else fail guest-sees-host-pattern "$out"; fi

# ...and word by word through `mapio bar` (plain and --wc) and `mapio devmem`, against busybox.
bad=
for i in 0 1 2 511 4096 131071; do
  want=$(vm_pattern word 1 $i)
  offset=$((i * 8))
  got=$(mapio bar "$bdf" 2 $offset 64 2>&1)
  [ "$got" = "$want" ] || bad="$bad bar word $i: '$got' not $want;"
  got=$(mapio bar "$bdf" 2 $offset 64 --wc 2>&1)
  [ "$got" = "$want" ] || bad="$bad bar --wc word $i: '$got' not $want;"
  address=$(printf '0x%x' $((bar2 + offset)))
  got=$(mapio devmem "$address" 64 2>&1)
  theirs=$(devmem "$address" 64)
  [ "$got" = "$want" ] && [ "$theirs" = "$want" ] || bad="$bad devmem word $i: mapio '$got', busybox '$theirs', pattern $want;"
done
if [ -z "$bad" ]; then pass mapio-reads-host-pattern "6 words by bar, bar --wc, devmem"; else fail mapio-reads-host-pattern "$bad"; fi

capture mapio bar "$bdf" 2 0 '64*4'
want="$(vm_pattern word 1 0) $(vm_pattern word 1 1) $(vm_pattern word 1 2) $(vm_pattern word 1 3)"
check_eq mapio-bar-dump "$want" "$(echo $out)"

# The guest's own pattern; then word 0 written with mapio bar (the host checks both).
out=$(vm_pattern fill "$dev/resource2" 2 2>&1)
if [ $? -eq 0 ]; then pass guest-fill "$out"; else fail guest-fill "$out"; fi
out=$(vm_pattern check "$dev/resource2" 2 2>&1)
if [ $? -eq 0 ]; then pass guest-rereads "$out"; else fail guest-rereads "$out"; fi
capture mapio bar "$bdf" 2 0 64 0x0123456789ABCDEF
check_eq mapio-bar-write "0x0123456789ABCDEF" "$(mapio bar "$bdf" 2 0 64)"
