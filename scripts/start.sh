#!/usr/bin/env bash
# Quick start: install what is missing, build Release, and take the tour of mapio on a generated sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target mapio_cli
exec build/release/bin/mapio tour "$@"
