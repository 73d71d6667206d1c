#!/usr/bin/env bash
# rdma_counter without an RDMA device: `serve` and `client` each exit 1 with one line on standard
# error that names the operation, the address and ENODEV; a wrong command line is exit status 2.
set -uo pipefail
program=$1
if [ -n "$(ls -A /sys/class/infiniband 2>/dev/null)" ]; then
  echo "SKIP: this machine has RDMA devices ($(ls /sys/class/infiniband | tr '\n' ' '))"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# expect_failure STATUS PATTERN ARGS...: the program exits STATUS, says nothing on standard output,
# and its standard error matches the glob PATTERN.
expect_failure() {
  local want=$1 pattern=$2 status
  shift 2
  timeout 30 "$program" "$@" >"$dir/out" 2>"$dir/err"
  status=$?
  if [ $status -ne "$want" ]; then
    echo "rdma_counter $*: exit status $status, expected $want; stderr: $(cat "$dir/err")"; exit 1
  fi
  if [ -s "$dir/out" ]; then echo "rdma_counter $*: printed on stdout: $(cat "$dir/out")"; exit 1; fi
  # shellcheck disable=SC2053  # PATTERN is a glob on purpose
  if [[ $(cat "$dir/err") != $pattern ]]; then echo "rdma_counter $*: unclear error: $(cat "$dir/err")"; exit 1; fi
  echo "rdma_counter $*: exit $want, $(head -n1 "$dir/err")"
}

# The step that finds no device depends on the kernel: without the connection manager it is
# rdma_create_event_channel, with it (and no device) rdma_bind_addr or rdma_resolve_addr.
expect_failure 1 "rdma_* rdma server 0.0.0.0:7471: No such device (ENODEV)*" serve
expect_failure 1 "rdma_* rdma server 0.0.0.0:7999: No such device (ENODEV)*" serve 7999
expect_failure 1 "rdma_* rdma 127.0.0.1:7471: No such device (ENODEV)*" client 127.0.0.1
expect_failure 1 "rdma_* rdma 127.0.0.1:7999: No such device (ENODEV)*" client 127.0.0.1 7999
expect_failure 1 "getaddrinfo rdma no-such-host.invalid:7471: *" client no-such-host.invalid
expect_failure 2 "usage: *"
expect_failure 2 "usage: *" client
expect_failure 2 "not a port: 70000" serve 70000
