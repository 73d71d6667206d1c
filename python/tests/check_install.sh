#!/usr/bin/env bash
# The two install routes of the Python package, each into a scratch directory, each then imported
# by a fresh interpreter from there (and not from the build tree):
#   cmake --install BUILD --component python --prefix WORK/prefix  -> WORK/prefix/SITE_DIR/mapio
#   pip install --no-build-isolation --no-index --target WORK/pip SOURCE (offline, reusing BUILD)
# Usage: check_install.sh PYTHON BUILD_DIR SOURCE_DIR SITE_DIR WORK_DIR
set -euo pipefail
python=$1 build=$2 source=$3 site=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

check_import() {  # DIR: mapio imports from DIR, counts /etc/hostname's lines like wc -l, has its stubs
  (cd "$work" && env -u PYTHONPATH PYTHONPATH="$1" "$python" -c '
import sys, mapio, pathlib
where = pathlib.Path(mapio.__file__).parent
assert str(where).startswith(sys.argv[1]), f"imported from {where}, not {sys.argv[1]}"
assert (where / "__init__.pyi").is_file() and (where / "py.typed").is_file(), "stubs missing"
print(mapio.count_lines(sys.argv[2]))' "$1" "$source/README.md") > "$work/lines"
  expected=$(wc -l < "$source/README.md")
  [ "$(cat "$work/lines")" = "$expected" ] || { echo "count_lines gave $(cat "$work/lines"), wc -l $expected" >&2; exit 1; }
}

cmake --install "$build" --component python --prefix "$work/prefix" > "$work/install.log"
check_import "$work/prefix/$site"
echo "cmake --install: ok ($work/prefix/$site/mapio)"

MAPIO_PYTHON_BUILD_DIR="$build" "$python" -m pip install --no-build-isolation --no-index --no-deps --quiet \
  --target "$work/pip" "$source" > "$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; exit 1; }
check_import "$work/pip"
echo "pip install: ok ($work/pip/mapio)"
