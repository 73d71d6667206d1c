# Shared memory with the host: ivshmem-plain's BAR2 is a host file. The host writes a pattern
# before boot; the guest maps BAR2 (mapio's Mapping over the sysfs resource file, and `mapio bar`)
# and checks it, then writes its own pattern, which the host checks after the guest powers off.

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
  if verdict=$("$pattern" check "$memory" 2 2>&1); then
    host_pass host-sees-guest-pattern "$verdict"
  else
    host_fail host-sees-guest-pattern "$verdict"
  fi
}

expect=(bar2-size guest-sees-host-pattern guest-fill guest-rereads host-sees-guest-pattern)
