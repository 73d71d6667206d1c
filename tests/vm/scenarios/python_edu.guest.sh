# Guest half of python_edu: edu bound to uio_pci_generic, then the Python probe (python/edu_probe.py)
# reports its own checks and the width probes.
edu_find || exit 1
load_module uio_pci_generic || { fail uio-bound "cannot load uio_pci_generic"; exit 1; }
echo "1234 11e8" >/sys/bus/pci/drivers/uio_pci_generic/new_id
i=0
while [ ! -c /dev/uio0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ -c /dev/uio0 ]; then pass uio-bound; else fail uio-bound "no /dev/uio0"; exit 1; fi
if [ ! -x /usr/bin/python3 ]; then fail py-done "no python3 in the guest (the scenario's archive is missing)"; exit 1; fi
PYTHONPATH=/opt/mapio/python /usr/bin/python3 -S /vm/edu_probe.py "$edu_bdf" 2>&1
