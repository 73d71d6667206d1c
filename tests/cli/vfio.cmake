# `mapio vfio` on the build machine: the refusals that need no IOMMU, each with its exact message: a
# malformed address is a usage error (exit 2); a device that is not there or not bound to vfio-pci
# is a failure (exit 1).
# The device itself is shown in the QEMU bench (vm.edu_vfio_dma, vm.vfio_group).
add_test(NAME cli.vfio_refusals
  COMMAND bash -c "set -uo pipefail
    mapio='$<TARGET_FILE:mapio_cli>'; failed=0
    expect() { # STATUS MESSAGE ARGS...
      local want_status=$1 want=$2; shift 2
      out=$(\"$mapio\" vfio \"$@\" 2>&1); status=$?
      if [[ $status -eq $want_status && $out == $want ]]; then echo \"ok: $*\"; else
        echo \"MISMATCH for $*: exit $status: $out\"; failed=1; fi
    }
    expect 2 'mapio vfio: missing DEVICE (usage: mapio vfio [[]OPTIONS] DEVICE)'
    expect 2 'mapio vfio: bad device '\\''zz'\\'': expected [[]DOMAIN:]BUS:DEVICE.FUNCTION in hex, e.g. 0000:00:04.0 or 00:04.0 (device 00-1f, function 0-7)' zz
    expect 2 'mapio vfio: bad device '\\''00:20.0'\\'': expected *[(]device 00-1f, function 0-7[)]' 00:20.0
    expect 1 'mapio vfio: find PCI device 0000:ff:1f.7: No such device (ENODEV): no 0000:ff:1f.7 in /sys/bus/pci/devices*' ff:1f.7
    first=$(ls /sys/bus/pci/devices 2>/dev/null | head -n1)
    if [[ -n $first && $(basename \"$(readlink /sys/bus/pci/devices/$first/driver)\") != vfio-pci ]]; then
      expect 1 \"mapio vfio: open VFIO device $first: *\" \"$first\"
    fi
    exit $failed")
set_tests_properties(cli.vfio_refusals PROPERTIES LABELS cli)
