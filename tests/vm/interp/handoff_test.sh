#!/usr/bin/env bash
# The vCPU saved and reloaded into a fresh InterpreterCpu every few ms
# (run_guest --handoff-every-ms) must not change what a guest prints or its
# exit status: the arch state and register list carry everything.
# usage: handoff_test.sh RUN_GUEST GUEST.elf...
set -u
run_guest=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for elf in "$@"; do
  name=$(basename "$elf" .elf)
  "$run_guest" "$elf" > "$work/plain" 2>&1; plain_rc=$?
  "$run_guest" --handoff-every-ms 5 "$elf" > "$work/handoff" 2>&1; handoff_rc=$?
  if [ $plain_rc -ne $handoff_rc ] || ! cmp -s "$work/plain" "$work/handoff"; then
    echo "FAIL $name: exit $plain_rc vs $handoff_rc with handoffs"
    diff "$work/plain" "$work/handoff" | head -20
    failed=1
  else
    echo "ok $name: same output and exit status ($plain_rc) with a handoff every 5 ms"
  fi
done
exit $failed
