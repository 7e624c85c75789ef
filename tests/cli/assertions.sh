# Assertions shared by the command-line tests (sourced). The caller sets
# $tmp to a scratch directory; counts go to $passed and $failed, and the
# caller ends with `finish`.
passed=0
failed=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code;
# stdout is left in $tmp/out, stderr in $tmp/err, both in $tmp/all.
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  cat "$tmp/out" "$tmp/err" >"$tmp/all"
  if [ "$got" -eq "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $got, want $want"
    sed 's/^/    /' "$tmp/all" | head -20
  fi
}
# contains TEXT DESCRIPTION: the last command's output contains TEXT.
contains() {
  if grep -qF -- "$1" "$tmp/all"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $2: output lacks '$1'"
    sed 's/^/    /' "$tmp/all" | head -20
  fi
}
# json DESCRIPTION PYTHON: runs PYTHON with d = the last command's stdout as JSON.
json() {
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$tmp/out" 2>"$tmp/pyerr"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1"
    sed 's/^/    /' "$tmp/pyerr" | tail -3
  fi
}

# finish: the closing line meson and CI read, and the exit status.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
