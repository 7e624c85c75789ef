#!/usr/bin/env bash
# Differential test: each guest ELF runs on regvm's interpreter (run_guest)
# and on Debian's qemu-system-aarch64 (-M virt -cpu cortex-a57, semihosting);
# console output (QEMU: UART on stdout, semihosting console on stderr, both
# into one pipe) and exit status must match. tight_loop runs with a small
# patched iteration count.
# usage: differential_test.sh RUN_GUEST GUEST.elf...
set -u
run_guest=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
qemu=$(command -v qemu-system-aarch64) || { echo "FAIL: qemu-system-aarch64 not installed (scripts/install-deps)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for elf in "$@"; do
  name=$(basename "$elf" .elf)
  image=$elf
  if [ "$name" = tight_loop ]; then
    image=$work/tight_loop_small.elf
    python3 "$here/patch_symbol.py" "$elf" iterations 1000000 "$image" || exit 1
  fi
  "$run_guest" "$image" > "$work/$name.regvm" 2> "$work/$name.regvm.err" < /dev/null
  regvm_rc=$?
  timeout 120 "$qemu" -M virt -cpu cortex-a57 -nographic -semihosting \
    -semihosting-config enable=on,target=native -kernel "$image" \
    > "$work/$name.qemu" 2>&1 < /dev/null
  qemu_rc=$?
  if [ $qemu_rc -eq 124 ]; then
    echo "FAIL $name: QEMU timed out"; failed=1; continue
  fi
  if [ $regvm_rc -ne $qemu_rc ]; then
    echo "FAIL $name: exit status regvm $regvm_rc, QEMU $qemu_rc"
    sed 's/^/  regvm stderr: /' "$work/$name.regvm.err" | head -5
    failed=1
  fi
  if ! cmp -s "$work/$name.regvm" "$work/$name.qemu"; then
    echo "FAIL $name: console output differs (- regvm, + QEMU):"
    diff "$work/$name.regvm" "$work/$name.qemu" | head -40
    sed 's/^/  regvm stderr: /' "$work/$name.regvm.err" | head -5
    failed=1
  fi
  [ -s "$work/$name.regvm.err" ] && sed 's/^/  regvm stderr: /' "$work/$name.regvm.err" | head -5
  if [ $failed -eq 0 ]; then
    echo "ok $name: $(wc -l < "$work/$name.regvm") lines, exit $regvm_rc, identical on regvm and QEMU"
  fi
done
exit $failed
