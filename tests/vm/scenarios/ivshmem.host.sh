# Shared memory with the host: ivshmem-plain's BAR2 is a host file. The host writes a pattern
# before boot; the guest checks it through BAR2 (mapio's Mapping over the sysfs resource file,
# `mapio bar`, `mapio bar --wc`, `mapio devmem` and busybox devmem), then writes its own pattern and
# one word with `mapio bar`, which the host checks in the file after the guest powers off.

prepare() {
  local pattern
  pattern=$(host_program vm_pattern) || { host_fail host-fill "vm_pattern not built"; return; }
  memory=$scratch/ivshmem.mem
  rm -f "$memory"
  truncate -s 1M "$memory"
  "$pattern" fill "$memory" 1 >/dev/null
  qemu_args=(-object "memory-backend-file,id=hostmem,share=on,mem-path=$memory,size=1M"
             -device ivshmem-plain,memdev=hostmem)
}

verify() {
  local pattern verdict
  pattern=$(host_program vm_pattern) || return
  [ "$booted_ok" -eq 1 ] || return
  # Word 0 is what the guest wrote last with `mapio bar`; the rest is the guest's pattern.
  if verdict=$("$pattern" check "$memory" 2 1 2>&1); then
    host_pass host-sees-guest-pattern "$verdict"
  else
    host_fail host-sees-guest-pattern "$verdict"
  fi
  local word0
  word0=$(od -An -tx8 -N8 "$memory" | tr -d ' ')
  if [ "$word0" = 0123456789abcdef ]; then host_pass host-sees-guest-bar-write "word 0 = 0x$word0"
  else host_fail host-sees-guest-bar-write "word 0 = 0x$word0, expected 0x0123456789abcdef"; fi
}

expect=(bar2-size guest-sees-host-pattern mapio-reads-host-pattern mapio-bar-dump guest-fill guest-rereads
        mapio-bar-write host-sees-guest-pattern host-sees-guest-bar-write)
