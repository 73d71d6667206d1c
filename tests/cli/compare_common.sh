# Sourced by the scripts that hold mapio's scanning verbs to GNU tools (scan_compare.sh,
# wc_locale_compare.sh): a failure counter and the one comparison they all make.
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# same "description" "expected command" "actual command": stdout byte for byte (trailing newlines
# included) and the exit status exactly. stderr is not compared: mapio's messages name the operation
# and errno, GNU's do not. Run in the scratch directory: it leaves same.want and same.got there.
same() {
  local what=$1 want_cmd=$2 got_cmd=$3 ws gs
  eval "$want_cmd" > same.want 2>/dev/null; ws=$?
  eval "$got_cmd" > same.got 2>/dev/null; gs=$?
  if ! cmp -s same.want same.got; then
    fail "$what: output differs"; diff same.want same.got | head -10
  fi
  if [[ $ws -ne $gs ]]; then fail "$what: exit $gs, GNU $ws"; fi
  if [[ $gs -gt 128 ]]; then fail "$what: killed by signal $((gs - 128))"; fi
}
