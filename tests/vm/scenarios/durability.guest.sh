# Guest half of the durability scenario: mount the virtio disk and write until the host kills us.
batch=50
batches=4000
verb=write
for word in $(cat /proc/cmdline); do
  case "$word" in
    mapio.batch=*) batch=${word#mapio.batch=} ;;
    mapio.batches=*) batches=${word#mapio.batches=} ;;
    mapio.writer=*) verb=${word#mapio.writer=} ;;
  esac
done
for m in virtio_pci virtio_blk crc32c_generic ext4; do
  load_module $m || { fail modules "cannot load $m"; exit 1; }
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || { fail disk "no /dev/vda after loading virtio_blk"; exit 1; }
mount -t ext4 /dev/vda /mnt || { fail mount "mount -t ext4 /dev/vda failed"; exit 1; }
pass mount
vm_durable_writer "$verb" /mnt/records.bin "$batch" "$batches"
