# Sourced by the scripts that hold mapio's scanning verbs to GNU tools (scan_compare.sh,
# wc_locale_compare.sh): a failure counter and the one comparison they all make.
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# same "description" "expected command" "actual command": stdout byte for byte (trailing newlines
# included) and the exit status exactly; stderr is not compared (same_all below compares it too).
# Run in the scratch directory: it leaves same.want and same.got there.
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

# same_all "description" "expected command" "actual command": as same(), and stderr too, where mapio
# claims GNU's messages: each of mapio's stderr lines is GNU's with "mapio " in front
# ("mapio wc: x: No such file or directory" for "wc: x: No such file or directory").
same_all() {
  local what=$1 want_cmd=$2 got_cmd=$3 ws gs
  eval "$want_cmd" > same.want 2> same.want_err; ws=$?
  eval "$got_cmd" > same.got 2> same.got_err; gs=$?
  sed -i 's/^mapio //' same.got_err
  if ! cmp -s same.want same.got; then
    fail "$what: output differs"; diff same.want same.got | head -10
  fi
  if ! cmp -s same.want_err same.got_err; then
    fail "$what: messages differ"; diff same.want_err same.got_err | head -10
  fi
  if [[ $ws -ne $gs ]]; then fail "$what: exit $gs, GNU $ws"; fi
  if [[ $gs -gt 128 ]]; then fail "$what: killed by signal $((gs - 128))"; fi
}

# wait_until_open PID FILE: returns once PID holds FILE open or mapped (or after 5 s, or once PID is
# gone), so that a truncation lands during the scan rather than before mapio has even looked at the
# file on a loaded machine.
wait_until_open() {
  local pid=$1 file=$2 tries fd
  for tries in $(seq 1 500); do
    for fd in /proc/"$pid"/fd/*; do
      [[ "$(readlink "$fd" 2>/dev/null)" == "$file" ]] && return 0
    done
    grep -qF "$file" /proc/"$pid"/maps 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.01
  done
}
