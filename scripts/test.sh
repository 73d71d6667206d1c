#!/usr/bin/env bash
# Installs what is missing, builds everything warning-free with GCC 12 (Release) and Clang 14
# (ASan + UBSan), and runs every test: unit, examples, CLI, install, and the QEMU guest bench; then
# the threaded tests under ThreadSanitizer and every fuzz target for a short, fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== GCC 12 Release: build and every test" >&2
cmake --preset release -DMAPIO_VM_TESTS=ON >/dev/null
cmake --build --preset release
ctest --preset release -j "$jobs"

echo "== Clang 14 ASan + UBSan: everything but benchmarks, every test but the guest bench" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs"

echo "== Clang 14 ThreadSanitizer: the threaded tests (scanner, input policy, prefetch, fault guard)" >&2
cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest --preset tsan -j "$jobs"

echo "== Clang 14 libFuzzer + ASan + UBSan: each fuzz target for a short, fixed time" >&2
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz -j "$jobs"
