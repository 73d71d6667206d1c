# Guest half of eio: /dev/vda fails reads of its sector 4096 with EIO. GNU wc and grep (copied into
# /opt/gnu by setup.sh) and mapio read the same device; stdout, stderr (mapio's with "mapio " in
# front) and exit status must be the same.
gnu=/opt/gnu
if [ ! -x "$gnu/wc" ] || [ ! -x "$gnu/grep" ]; then
  fail disk-readable "GNU wc and grep are not in the guest (setup.sh copies them from the host)"
  exit 1
fi
for m in virtio_pci virtio_blk crc32c_generic ext4; do
  load_module $m || { fail disk-readable "insmod $m failed"; exit 1; }
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if dd if=/dev/vda of=/dev/null bs=4096 count=16 2>/dev/null; then pass disk-readable "the first 64 KiB read"
else fail disk-readable "/dev/vda cannot be read at all"; fi
show eio-dd "$(dd if=/dev/vda of=/dev/null bs=65536 2>&1)"

# same CHECK COMMAND ARGS... : runs /opt/gnu/COMMAND, then `mapio COMMAND $MAPIO_OPTIONS ARGS...`. GNU's program is
# named by its path (busybox sh would run its own applet for a bare `wc`, whatever PATH says), so
# its messages start with the path, which is taken off before they are compared.
same() {
  local check=$1 tool=$2 want want_err want_rc got got_err got_rc
  shift 2
  echo 3 >/proc/sys/vm/drop_caches  # the bad region is read from the disk, not from the cache
  want=$(cd /tmp && "$gnu/$tool" "$@" 2>/tmp/want.err); want_rc=$?
  want_err=$(sed "s|^$gnu/||" /tmp/want.err)
  got=$(cd /tmp && mapio "$tool" ${MAPIO_OPTIONS:-} "$@" 2>/tmp/got.err); got_rc=$?
  got_err=$(sed 's/^mapio //' /tmp/got.err)
  if [ "$want" = "$got" ] && [ "$want_err" = "$got_err" ] && [ "$want_rc" = "$got_rc" ]; then
    pass "$check" "'$got' / '$got_err' / exit $got_rc"
  else
    fail "$check" "GNU: '$want' / '$want_err' / exit $want_rc; mapio: '$got' / '$(cat /tmp/got.err)' / exit $got_rc"
  fi
}
same wc-l wc -l /dev/vda
same wc-c wc -c /dev/vda
same wc-lc wc -lc /dev/vda
same wc-w wc -w /dev/vda
same wc-lwc wc /dev/vda /proc/version
same grep-c grep -c -F "of the disk" /dev/vda
same grep-c-two grep -c -F -e "line 01" -e "line 08" /proc/version /dev/vda

# count_reports CHECK FILE [OPTION...]: count has no GNU twin; its error must name FILE and EIO,
# with exit 1.
count_reports() {
  local check=$1 file=$2
  shift 2
  echo 3 >/proc/sys/vm/drop_caches
  capture mapio count "$@" l "$file"
  if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "$file" && printf '%s' "$out" | grep -q "Input/output error"; then
    pass "$check" "$out"
  else fail "$check" "exit $rc: $out"; fi
}
count_reports count-reports /dev/vda

# The file system's file, mapped (--method map) and read: the same answers as GNU's reads.
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if mount -t ext4 -o ro /dev/vdb /mnt; then pass fs-mounted "$(ls -l /mnt/text.txt)"
else fail fs-mounted "mount -t ext4 -o ro /dev/vdb /mnt failed"; exit 1; fi
text=/mnt/text.txt
for spec in "fs-wc-l-map map wc -l" "fs-wc-w-map map wc -w" "fs-wc-read read wc" "fs-grep-c-map map grep -c -F disk"; do
  set -- $spec
  check=$1 method=$2
  shift 2
  MAPIO_OPTIONS="--method $method" same "$check" "$@" "$text"
done
count_reports fs-count-map "$text" --method map
# Reading the file into the page cache meets the bad block: an error naming the file, exit 1.
echo 3 >/proc/sys/vm/drop_caches
capture mapio cache -t "$text"
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "$text.*could not be read"; then pass fs-cache-touch "$out"
else fail fs-cache-touch "exit $rc: $out"; fi
umount /mnt
