#!/bin/sh
# One system-call layer (docs/architecture.md): the calls below are made only by core's wrappers,
# and only the wrappers retry EINTR. Lists every other place in src/ and tools/ that makes one of
# them raw or checks EINTR by hand, and fails when there is any.
#
#   check_system_calls.sh SOURCE_DIR
set -eu
root=${1:?usage: check_system_calls.sh SOURCE_DIR}
cd "$root"

# The wrapper layer, and why each file may make raw calls:
#   src/core/syscall.cpp     the system-call layer itself (ioctl, open, read/write, pread/pwrite, poll, EINTR)
#   src/core/mapping.cpp     Mapping owns mmap, madvise, mprotect, mincore for every mapping in mapio
#   src/core/fault_guard.cpp the SIGBUS handler: async-signal-safe code that may not throw or allocate
allowed='^(include/mapio/core/syscall\.hpp|src/core/syscall\.cpp|src/core/mapping\.cpp|src/core/fault_guard\.cpp):'

# A call in the global namespace (`::open(`, not `FileDescriptor::open(`), or EINTR anywhere.
pattern='(^|[^[:alnum:]_])::(ioctl|pread|pwrite|mmap|madvise|mprotect|mincore|open)[[:space:]]*\(|EINTR'

# Code only: a line's // comment and its string literals are dropped before matching, so a
# message or a comment that names a call is not one.
found=$(grep -rnE --include='*.cpp' --include='*.hpp' --include='*.h' \
          "$pattern" src tools include |
        grep -vE "$allowed" |
        while IFS= read -r hit; do
          where=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
          code=$(printf '%s\n' "$text" | sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's://.*$::')
          if printf '%s\n' "$code" | grep -qE "$pattern"; then
            printf '%s:%s:%s\n' "$where" "$line" "$text"
          fi
        done)

if [ -n "$found" ]; then
  count=$(printf '%s\n' "$found" | wc -l)
  echo "$count raw system calls or hand-written EINTR checks outside core's system-call layer" \
       "(include/mapio/core/syscall.hpp):"
  printf '%s\n' "$found"
  exit 1
fi
echo "no raw system calls or EINTR checks outside core's system-call layer"
