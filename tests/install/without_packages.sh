#!/usr/bin/env bash
# without_packages.sh PACKAGE... -- COMMAND [ARG...]
# Runs COMMAND on this machine as it would be with the named Debian packages removed: in a private
# mount namespace, every directory holding one of their files is covered by an overlay whose upper
# layer is a tmpfs, and their files are deleted there. Nothing changes outside the namespace, and
# the packages' other files (a runtime library that a -dev package's .so link points to) stay.
# Needs root (unshare -m, overlayfs). The install test builds a consumer with it where libpci-dev
# and libfmt-dev are not installed, as on a machine that never had them.
set -euo pipefail

if [[ -z ${MAPIO_WITHOUT_SCRATCH:-} ]]; then
  scratch=$(mktemp -d)
  status=0
  MAPIO_WITHOUT_SCRATCH=$scratch unshare --mount --propagation private "$0" "$@" || status=$?
  rmdir "$scratch"
  exit "$status"
fi

packages=()
while [[ $# -gt 0 && $1 != -- ]]; do packages+=("$1"); shift; done
[[ $# -gt 1 ]] || { echo "usage: $0 PACKAGE... -- COMMAND [ARG...]" >&2; exit 2; }
shift

files=()
for package in "${packages[@]}"; do
  while IFS= read -r path; do
    [[ -e $path || -L $path ]] && [[ ! -d $path || -L $path ]] && files+=("$path")
  done < <(dpkg -L "$package")
done
[[ ${#files[@]} -gt 0 ]] || { echo "none of ${packages[*]} has files here" >&2; exit 1; }

mount -t tmpfs -o size=16m mapio-without "$MAPIO_WITHOUT_SCRATCH"
# Shallow directories first: an overlay mounted later on a parent would hide one on its child.
mapfile -t dirs < <(for f in "${files[@]}"; do dirname "$f"; done | sort -u |
                    awk -F/ '{ print NF "\t" $0 }' | sort -n | cut -f2-)
n=0
for dir in "${dirs[@]}"; do
  n=$((n + 1))
  mkdir "$MAPIO_WITHOUT_SCRATCH/upper$n" "$MAPIO_WITHOUT_SCRATCH/work$n"
  mount -t overlay mapio-without \
    -o "lowerdir=$dir,upperdir=$MAPIO_WITHOUT_SCRATCH/upper$n,workdir=$MAPIO_WITHOUT_SCRATCH/work$n" "$dir"
done
rm -f -- "${files[@]}"

"$@"
