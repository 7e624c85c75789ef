#!/usr/bin/env bash
# End-to-end tests of `regcompat probe stream|kvm` and `regcompat extract
# linux`: a real migration stream written by qemu-system-aarch64 during the
# test, this host's KVM, the miniature kernel trees in tests/fixtures/linux,
# bad input (exit 3, the file and byte offset named).
# Usage: probe_cli_test.sh REGCOMPAT_BINARY SOURCE_ROOT
set -uo pipefail
rc_bin=$1
root=$2
fixtures="$root/tests/fixtures/linux"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=assertions.sh
source "$(dirname "$0")/assertions.sh"

# --- --help everywhere ----------------------------------------------------------
for cmd in probe "probe stream" "probe kvm"; do
  # shellcheck disable=SC2086
  expect 0 "--help of '$cmd'" -- "$rc_bin" $cmd --help
  contains "Usage" "--help of '$cmd' prints usage"
done
expect 2 "probe needs a subcommand" -- "$rc_bin" probe
expect 2 "probe stream needs --release and --cpu" -- "$rc_bin" probe stream "$tmp/x"

# --- probe stream: a real stream from QEMU 7.2 ------------------------------------
qemu=$(command -v qemu-system-aarch64 || true)
if [ -z "$qemu" ]; then
  echo "FAIL: probe stream on a real stream: qemu-system-aarch64 is not installed (scripts/install-deps installs qemu-system-arm)"
  failed=$((failed + 1))
else
  # The one recipe for a real stream: probe qemu --streams-dir.
  stream="$tmp/streams/7.2_virt-7.2_cortex-a57.qevm"
  "$rc_bin" probe qemu --qemu "$qemu" --release 7.2 --machine virt-7.2 --cpu cortex-a57 --streams-dir "$tmp/streams" \
    --timeout 60 >"$tmp/qemu.log" 2>&1
  if [ ! -f "$stream" ]; then
    failed=$((failed + 1))
    echo "FAIL: qemu-system-aarch64 wrote no stream"
    sed 's/^/    /' "$tmp/qemu.log" | tail -5
  else
    expect 0 "probe stream lists the registers" -- "$rc_bin" probe stream "$stream" --release 7.2 --cpu cortex-a57
    contains "machine virt-7.2" "machine type named"
    contains "qemu/7.2/arm64/tcg/cortex-a57" "set key printed"
    contains "0x603000000013d801  S3_3_C0_C0_1" "CTR_EL0 listed with its decoded form"
    expect 0 "probe stream json" -- "$rc_bin" probe stream "$stream" --release 7.2 --cpu cortex-a57 --format json
    json "stream json shape" "
assert d['machine_type'] == 'virt-7.2' and d['cpus'] == 1 and d['section_version'] == 22, d
assert 250 <= d['count'] <= 360 and d['count'] == len(d['registers']), d['count']
ctr = [r for r in d['registers'] if r['index'] == '0x603000000013d801']
assert ctr and ctr[0]['value'] == '0x000000008444c004' and ctr[0]['text'] == 'S3_3_C0_C0_1', ctr
assert d['database'] is None"
    expect 0 "probe stream --db creates a database" -- "$rc_bin" probe stream "$stream" --release 7.2 \
      --cpu cortex-a57 --db "$tmp/db" --format json
    json "stored set reported" "assert d['database']['created'] and d['database']['sets_written'] == ['qemu/7.2/arm64/tcg/cortex-a57']"
    expect 0 "the database validates" -- "$rc_bin" db validate "$tmp/db"
    expect 0 "the stored set shows" -- "$rc_bin" db show "$tmp/db" qemu/7.2/arm64/tcg/cortex-a57
    contains "stream:$stream" "provenance names the stream"

    # Bad input: truncated, corrupted, missing, not a stream.
    head -c 4000 "$stream" >"$tmp/truncated.qevm"
    expect 3 "a truncated stream is invalid input" -- "$rc_bin" probe stream "$tmp/truncated.qevm" --release 7.2 --cpu cortex-a57
    contains "truncated.qevm" "error names the file"
    contains "offset 0x" "error names the byte offset"
    printf 'QEVM\0\0\0\3garbage' >"$tmp/garbage.qevm"
    expect 3 "a garbage stream is invalid input" -- "$rc_bin" probe stream "$tmp/garbage.qevm" --release 7.2 --cpu x
    contains "offset 0x" "garbage: offset named"
    expect 3 "a missing stream is invalid input" -- "$rc_bin" probe stream "$tmp/none.qevm" --release 7.2 --cpu x
    contains "none.qevm" "missing file named"
    expect 2 "a bad --release is a usage error" -- "$rc_bin" probe stream "$stream" --release "7 2" --cpu cortex-a57
    expect 2 "a CPU index past the stream's" -- "$rc_bin" probe stream "$stream" --release 7.2 --cpu cortex-a57 --cpu-index 3
  fi
fi

# --- probe kvm ------------------------------------------------------------------
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  expect 0 "probe kvm" -- "$rc_bin" probe kvm
  contains "host key: linux/$(uname -r)/" "host key printed"
  expect 0 "probe kvm json + --db" -- "$rc_bin" probe kvm --db "$tmp/kvmdb" --format json
  json "kvm json shape" "
assert d['kernel'] and d['sets'], d.keys()
first = d['sets'][0]
assert first['set'].startswith('linux/' + d['kernel'] + '/'), first['set']
assert first['count'] > 10 and first['count'] == len(first['registers'])
assert all(r['index'].startswith('0x2030000') for r in first['registers'])
assert d['database']['release_added']"
  expect 0 "the probed database validates" -- "$rc_bin" db validate "$tmp/kvmdb"
  expect 3 "a missing KVM device is invalid input" -- "$rc_bin" probe kvm --device "$tmp/no-kvm"
  contains "no-kvm" "missing device named"
else
  echo "SKIP: probe kvm: /dev/kvm is not usable here"
fi

# --- extract qemu: a re-run on an unchanged tree and database does nothing ------------
if "$rc_bin" extract qemu --help >/dev/null 2>&1; then
  qemu_tree="$root/tests/fixtures/qemu/mini"
  expect 0 "extract qemu on the miniature tree" -- "$rc_bin" extract qemu --source "$qemu_tree" --release 9.9.9 --db "$tmp/qdb"
  contains "qemu/9.9.9/arm64/tcg/mini-a64" "the sets are listed"
  expect 0 "the same extraction again" -- "$rc_bin" extract qemu --source "$qemu_tree" --release 9.9.9 --db "$tmp/qdb"
  contains "already holds this extraction" "an unchanged tree and database are left alone"
  echo "# edited by hand" >> "$tmp/qdb/releases/qemu/9.9.9.yaml"
  expect 0 "again after the database was edited" -- "$rc_bin" extract qemu --source "$qemu_tree" --release 9.9.9 --db "$tmp/qdb"
  contains "updated" "an edited database is loaded and saved again"
  if grep -q "edited by hand" "$tmp/qdb/releases/qemu/9.9.9.yaml"; then
    failed=$((failed + 1)); echo "FAIL: the edited release file was not rewritten"
  else
    passed=$((passed + 1))
  fi
fi

# --- extract linux on the fixture trees --------------------------------------------
if ! "$rc_bin" extract --help 2>/dev/null | grep -q "linux"; then
  echo "FAIL: extract linux: not registered under 'extract' in this build (cli/cmd_extract.cc)"
  failed=$((failed + 1))
else
  expect 0 "--help of 'extract linux'" -- "$rc_bin" extract linux --help
  contains "--check-selftest" "extract linux help lists its options"
  expect 0 "extract linux x86_64 on the fixture" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" \
    --arch x86_64 --db "$tmp/linuxdb" --format json
  json "extract json shape" "
sets = {s['set']: s['registers'] for s in d['sets']}
assert sets == {'linux/6.98.3/x86_64/kvm/msrs': 18, 'linux/6.98.3/x86_64/kvm/msrs-nopmu': 15,
                'linux/6.98.3/x86_64/kvm/features': 6}, sets
assert d['database']['created'] and d['database']['release_added'] and d['database']['catalogue_added'] == 19
cet = [m for m in d['msrs'] if m['msr'] == '0x00000000000006a8']
assert cet and cet[0]['condition'] == 'host_has_msr && X86_FEATURE_LM && X86_FEATURE_SHSTK', cet
assert d['parse_errors'] == {'arch/x86/kvm/x86.c': 0}, d['parse_errors']"
  expect 0 "the extracted database validates" -- "$rc_bin" db validate "$tmp/linuxdb"
  expect 0 "extract linux text lists conditions" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" --arch x86_64
  contains "msrs_to_save: host_has_msr && X86_FEATURE_LM && X86_FEATURE_SHSTK" "condition grouped"
  contains "no --db" "nothing stored without --db"
  # Again: the release is kept, the sets replaced, nothing new catalogued.
  expect 0 "extract again" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" --arch x86_64 \
    --db "$tmp/linuxdb" --format json
  json "second extraction" "assert not d['database']['created'] and not d['database']['release_added'] and d['database']['catalogue_added'] == 0"
  # A catalogue that names an MSR otherwise: reported, the catalogue wins.
  sed -i 's/name: MSR_TSC_AUX/name: IA32_TSC_AUX/' "$tmp/linuxdb/catalogue/x86_64.yaml"
  expect 0 "extract with a conflicting catalogue" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" \
    --arch x86_64 --db "$tmp/linuxdb"
  contains "catalogue name conflict" "conflict reported"
  contains "IA32_TSC_AUX" "the catalogue's name is named"
  expect 0 "still valid after the conflict" -- "$rc_bin" db validate "$tmp/linuxdb"
  # The 6.1 form, into the same database.
  expect 0 "extract the 6.1-form fixture" -- "$rc_bin" extract linux --source "$fixtures/mini-x86-old" \
    --arch x86_64 --db "$tmp/linuxdb"
  contains "linux/6.1.99/x86_64/kvm/msrs  9 registers" "6.1 form counted"
  expect 1 "two releases differ" -- "$rc_bin" db diff "$tmp/linuxdb" --from linux/6.1.99/x86_64/kvm/msrs \
    --to linux/6.98.3/x86_64/kvm/msrs
  contains "+ 0x20300002000006a8" "INT_SSP_TAB added in the newer fixture"
  # arm64 with the selftest comparison.
  expect 0 "extract linux arm64 on the fixture" -- "$rc_bin" extract linux --source "$fixtures/mini-arm64" \
    --arch arm64 --db "$tmp/linuxdb" --check-selftest
  contains "selftest tools/testing/selftests/kvm/arm64/get-reg-list.c" "selftest comparison printed"
  contains "linux/6.99.0/arm64/kvm/base" "arm64 base set"
  # Bad input.
  expect 3 "not a kernel tree" -- "$rc_bin" extract linux --source "$root/tests" --arch x86_64
  contains "not a Linux source tree" "reason given"
  expect 3 "a tree without x86 KVM" -- "$rc_bin" extract linux --source "$fixtures/mini-arm64" --arch x86_64
  contains "arch/x86/kvm/x86.c" "missing file named"
  expect 2 "an unknown --arch" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" --arch riscv
  expect 2 "--check-selftest is arm64 only" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" \
    --arch x86_64 --check-selftest
  mkdir -p "$tmp/notadb" && echo x >"$tmp/notadb/file"
  expect 3 "a non-database directory is refused" -- "$rc_bin" extract linux --source "$fixtures/mini-x86" \
    --arch x86_64 --db "$tmp/notadb"
  contains "not a regcompat database" "refusal explained"
fi

finish
