#!/usr/bin/env bash
# Quick start: install what is missing, build Release, and take the tour of mapio on a generated sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
# The CLI and the example programs (the tour ends by pointing at them).
examples=$(find examples -maxdepth 1 -name '*.cpp' -printf '%f\n' | sed 's/\.cpp$//' | sort)
# shellcheck disable=SC2086
cmake --build --preset release --target mapio_cli $examples
# The Python package too, when Python 3 and pybind11 are there (install-deps.sh installs them).
if cmake --build --preset release --target help | grep '^mapio_python:' >/dev/null; then
  cmake --build --preset release --target mapio_python
fi
build/release/bin/mapio tour "$@"
echo "The example programs are built in build/release/examples/: $(echo $examples)."
echo "Their sources, one idea each, are in examples/ (README.md, Examples, says what each shows)."
if [ -f build/release/python/mapio/__init__.py ]; then
  echo "Python: PYTHONPATH=build/release/python python3 -c 'import mapio; print(mapio.count_lines(\"/etc/passwd\"))'"
  PYTHONPATH=build/release/python /usr/bin/python3 -c 'import mapio; print(mapio.count_lines("/etc/passwd"))'
fi
