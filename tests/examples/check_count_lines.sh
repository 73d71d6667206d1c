#!/usr/bin/env bash
# Checks examples/count_lines against coreutils on real files: stat for the size, head for the
# preview, wc -l for the line count. Covers a multi-page text, a file without a final newline, and
# an empty file (which must map to an empty mapping, not fail).
#   check_count_lines.sh PATH_TO_count_lines
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

seq 1 20000 | sed 's/^/line /' >"$dir/text"
printf 'no newline at the end' >"$dir/unterminated"
: >"$dir/empty"

failed=0
for file in "$dir/text" "$dir/unterminated" "$dir/empty" /etc/passwd; do
  [[ -r $file ]] || continue
  size=$(stat -c %s "$file")
  preview=$(( size < 80 ? size : 80 ))
  # Built in a file, not in $(...), which would drop the preview's trailing newlines.
  {
    printf 'file size: %d bytes\nfirst %d bytes:\n' "$size" "$preview"
    head -c 80 "$file"
    printf '\ntotal lines: %d\n' "$(wc -l <"$file")"
  } >"$dir/expected"
  "$program" "$file" >"$dir/actual"
  if cmp -s "$dir/expected" "$dir/actual"; then
    echo "ok: $file ($size bytes, $(wc -l <"$file") lines)"
  else
    echo "MISMATCH for $file:"
    diff -u "$dir/expected" "$dir/actual" || true
    failed=1
  fi
done

# A missing file is a mapio::Error naming the operation and the path, and exit status 1.
if "$program" "$dir/missing" 2>"$dir/err"; then
  echo "a missing file did not fail"; failed=1
elif ! grep -q "open $dir/missing: No such file or directory (ENOENT)" "$dir/err"; then
  echo "unexpected error text:"; cat "$dir/err"; failed=1
else
  echo "ok: missing file -> $(cat "$dir/err")"
fi
exit $failed
