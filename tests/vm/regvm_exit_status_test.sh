#!/usr/bin/env bash
# regvm's exit status: the guest's own status passes through as on Debian's
# qemu-system-aarch64 (semihosting SYS_EXIT), except inside 119..125, the
# range regvm keeps for itself (vm/cli_options.h): a guest status there is
# reported as 119 with the real status on stderr, and regvm's own failures
# (120 incoming/vCPU, 121 usage, 122 invalid input, 125 internal) never
# collide with a guest's status.
# usage: regvm_exit_status_test.sh REGVM EXIT_STATUS.elf
set -u
regvm=$1 elf=$2
here=$(cd "$(dirname "$0")" && pwd)
qemu=$(command -v qemu-system-aarch64) || { echo "FAIL: qemu-system-aarch64 not installed (scripts/install-deps)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: got $2, want $3"; fi
}
run_regvm() {  # [--machine M] OPTIONS...
  local machine=virt-10.0
  if [ "${1:-}" = --machine ]; then machine=$2; shift 2; fi
  "$regvm" --machine "$machine" --release 10.0.13 --kernel 6.12.107 --cpu cortex-a57 "$@" >"$work/out" 2>"$work/err" </dev/null
}
for n in 0 1 3 7 118 119 120 122 125 126 200 255; do
  run_regvm --image "$elf" --guest-param "status=$n"; rc=$?
  python3 "$here/interp/patch_symbol.py" "$elf" status "$n" "$work/patched.elf" || exit 1
  timeout 60 "$qemu" -M virt -cpu cortex-a57 -nographic -semihosting \
    -semihosting-config enable=on,target=native -kernel "$work/patched.elf" >/dev/null 2>&1 </dev/null
  qemu_rc=$?
  check "QEMU passes guest status $n through" "$qemu_rc" "$n"
  if [ "$n" -ge 119 ] && [ "$n" -le 125 ]; then
    check "regvm reports guest status $n (inside its own range) as 119" "$rc" 119
    grep -q "the guest exited with status $n, inside the range regvm keeps for itself" "$work/err" ||
      { failed=$((failed + 1)); echo "FAIL: stderr does not name guest status $n: $(cat "$work/err")"; }
  else
    check "regvm passes guest status $n through, as QEMU" "$rc" "$qemu_rc"
  fi
done
run_regvm --no-such-option; check "usage error" $? 121
run_regvm --machine virt-99 --image "$elf"; check "unknown machine type" $? 122
run_regvm --image "$work/missing.elf"; check "missing image" $? 122
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
