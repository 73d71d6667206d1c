# Durability across a crash: the guest appends records to a file on an ext4 virtio disk through a
# shared mapping, making each batch durable before reporting how many records are. The host kills
# QEMU with SIGKILL mid-run (the machine's power cut), replays the journal (e2fsck, as the next
# mount would), copies the file out of the image (debugfs) and finds every record reported. Each
# run is killed at a different point:
# - `write`: a file created at its full size, each batch flushed (MappedFile::flush, msync MS_SYNC);
# - `sync`: a file created empty with create_new() and grown by resize() for every batch, each
#   batch made durable with MappedFile::sync() (msync + fdatasync, and fsync of the directory
#   after the create): the bytes, the file's growing size and its name must all be there.

# verb:batches-reported-before-the-kill (MAPIO_VM_WRITER_VERB replaces `write`, e.g. by
# write-unflushed to see the bench catch a writer that reports what it never flushed)
runs=(write:1 write:23 write:150 sync:1 sync:40)
per_batch=50             # records per batch (96 bytes each: batches straddle pages)
batches=4000             # more than any kill point: the writer must still be running when killed

run_scenario() {
  local mke2fs debugfs e2fsck writer
  mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
  debugfs=$(command -v debugfs || echo /sbin/debugfs)
  e2fsck=$(command -v e2fsck || echo /sbin/e2fsck)
  writer=$(host_program vm_durable_writer) || { host_fail setup "vm_durable_writer not built"; return; }
  local run=0 point verb spec
  expect=()
  for spec in "${runs[@]}"; do
    run=$((run + 1))
    verb=${spec%%:*} point=${spec#*:}
    [ "$verb" = write ] && verb=${MAPIO_VM_WRITER_VERB:-write}
    expect+=("run$run-kill" "run$run-records")
    local image=$scratch/disk$run.img runlog=$scratch/console$run.log
    rm -f "$image"
    truncate -s 64M "$image"
    "$mke2fs" -q -F -t ext4 -L mapio "$image"
    qemu_args=(-drive "file=$image,if=virtio,format=raw")
    append="mapio.batch=$per_batch mapio.batches=$batches mapio.writer=$verb"
    vm_start "$runlog"

    # Wait for the kill point, then kill at once: the writer is in the middle of a later batch.
    local deadline=$(( $(date +%s) + timeout )) reached=0
    while kill -0 "$vm_pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      local last
      last=$(tr -d '\r' <"$runlog" | sed -n 's/^MAPIO-FLUSHED \([0-9]*\)$/\1/p' | tail -n1)
      if [ -n "$last" ] && [ "$last" -ge $((point * per_batch)) ]; then
        kill -KILL "$vm_pid"
        reached=1
        break
      fi
      sleep 0.02
    done
    kill -KILL "$vm_pid" 2>/dev/null || true
    wait "$vm_pid" 2>/dev/null || true
    # The console keeps only the last few progress lines: thousands of them help nobody.
    tr -d '\r' <"$runlog" | awk '/^MAPIO-FLUSHED / { held[n++ % 3] = $0; next }
      { for (i = (n > 3 ? n - 3 : 0); i < n; i++) print held[i % 3]; n = 0; print }
      END { for (i = (n > 3 ? n - 3 : 0); i < n; i++) print held[i % 3] }' >>"$log"

    local flushed
    flushed=$(tr -d '\r' <"$runlog" | sed -n 's/^MAPIO-FLUSHED \([0-9]*\)$/\1/p' | tail -n1)
    if [ "$reached" -ne 1 ]; then
      host_fail "run$run-kill" "the guest never reported $((point * per_batch)) records flushed (last: ${flushed:-none}) within $timeout s"
      continue
    fi
    if tr -d '\r' <"$runlog" | grep -aq '^MAPIO-WRITER-DONE'; then
      host_fail "run$run-kill" "the writer finished before the kill; nothing was tested"
      continue
    fi
    host_pass "run$run-kill" "$verb: killed after $(vm_elapsed) s with $flushed records reported durable"

    # The journal holds the last metadata (the file's blocks): replay it as a mount would.
    local fsck_status=0
    "$e2fsck" -fy "$image" >"$scratch/e2fsck$run.log" 2>&1 || fsck_status=$?
    if [ "$fsck_status" -ge 4 ]; then
      host_fail "run$run-fsck" "e2fsck exit $fsck_status: $(tail -n3 "$scratch/e2fsck$run.log" | tr '\n' ' ')"
      continue
    fi
    rm -f "$scratch/records$run.bin"
    "$debugfs" -R "dump /records.bin $scratch/records$run.bin" "$image" >"$scratch/debugfs$run.log" 2>&1 || true
    if [ ! -f "$scratch/records$run.bin" ]; then
      host_fail "run$run-records" "debugfs found no /records.bin: $(tr '\n' ' ' <"$scratch/debugfs$run.log")"
      continue
    fi
    local verdict
    if verdict=$("$writer" verify "$scratch/records$run.bin" "$flushed" 2>&1); then
      host_pass "run$run-records" "$verdict"
    else
      host_fail "run$run-records" "$verdict"
    fi
  done
}

prepare() {  # for --shell: a disk to try things on
  truncate -s 64M "$scratch/disk.img"
  mke2fs -q -F -t ext4 "$scratch/disk.img"
  qemu_args=(-drive "file=$scratch/disk.img,if=virtio,format=raw")
}
