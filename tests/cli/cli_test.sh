#!/usr/bin/env bash
# End-to-end tests of the `regcompat` command line: exit codes, messages,
# JSON output and bad input, on the shipped sample database.
# Usage: cli_test.sh REGCOMPAT_BINARY SOURCE_ROOT
set -uo pipefail
rc_bin=$1
root=$2
db="$root/database/sample"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=assertions.sh
source "$(dirname "$0")/assertions.sh"

# --- decode -----------------------------------------------------------------
expect 0 "decode the bogus DBGDTRTX index" -- "$rc_bin" decode 0x40200000200e0298
contains "p14,3,c0,c5,0,ns" "decoded AArch32 form"
contains "opc1=3" "decoded opc1"
expect 0 "decode a name through the catalogue" -- "$rc_bin" decode --db "$db" TCR2_EL1
contains "0x603000000013c103" "TCR2_EL1 index"
expect 0 "register names match case-insensitively" -- "$rc_bin" decode --db "$db" tcr2_el1
contains "0x603000000013c103" "tcr2_el1 is TCR2_EL1"
expect 3 "a mistyped register name" -- "$rc_bin" decode --db "$db" TCR2_EL9
contains "did you mean TCR2_EL1" "the closest names suggested"
expect 2 "a mistyped subcommand" -- "$rc_bin" db shwo "$db"
contains "'shwo' is not a subcommand of regcompat db; did you mean show?" "subcommand suggested"
expect 0 "decode json" -- "$rc_bin" decode --format json S2_3_C0_C5_0 "MSR 0x6a0" p15,0,c2
python3 - "$tmp/out" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: decode json shape"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["index"] == "0x6030000000139828" and d[0]["family"] == "sysreg"
assert (d[0]["op0"], d[0]["op1"], d[0]["crn"], d[0]["crm"], d[0]["op2"]) == (2, 3, 0, 5, 0)
assert d[1]["arch"] == "x86_64" and d[1]["msr"] == 0x6a0
assert d[2]["cp"] == 15 and d[2]["is64"] is True and d[2]["crm"] == 2
PY
expect 3 "decode rejects a malformed index" -- "$rc_bin" decode 0x6030000100139828
contains "not part of" "reason for the malformed index"
expect 3 "decode rejects an unknown name" -- "$rc_bin" decode --db "$db" NO_SUCH_REG
contains "NO_SUCH_REG" "unknown name is named"
expect 2 "decode without arguments is a usage error" -- "$rc_bin" decode
expect 2 "unknown option is a usage error" -- "$rc_bin" decode --bogus 0x0

# --- --help everywhere -----------------------------------------------------
for cmd in "" decode db "db validate" "db show" "db diff" "db query" "db format" migrate-check; do
  # shellcheck disable=SC2086
  expect 0 "--help of '$cmd'" -- "$rc_bin" $cmd --help
  contains "Usage" "--help of '$cmd' prints usage"
done
expect 0 "--version" -- "$rc_bin" --version
contains "regcompat" "version string"

# --- db ---------------------------------------------------------------------
expect 0 "validate the sample" -- "$rc_bin" db validate "$db"
contains "valid" "validate says valid"
expect 1 "diff of two releases differs" -- "$rc_bin" db diff "$db" --from qemu/10.0.13 --to qemu/10.2.2
contains "+ 0x40200000200e0298" "10.2.2 adds the bogus DBGDTRTX"
expect 1 "kernel diff" -- "$rc_bin" db diff "$db" --from linux/6.12/arm64/kvm/base --to linux/7.1/arm64/kvm/base
contains "- 0x603000000013c103" "TCR2_EL1 dropped from the 7.1 base list"
contains "+ 0x6030000000160003" "VENDOR_HYP_BMAP_2 added"
expect 0 "a set is identical to itself" -- "$rc_bin" db diff "$db" --from qemu/7.2/arm64/tcg/max --to qemu/7.2/arm64/tcg/max
expect 0 "a database is identical to itself" -- "$rc_bin" db diff "$db" "$db"
expect 0 "query by register" -- "$rc_bin" db query "$db" 'qemu/*/arm64/tcg' --register 0x40200000200e0298 --format json
python3 - "$tmp/out" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: query json"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(x["set"] for x in d) == ["qemu/10.2.2/arm64/tcg/cortex-a57", "qemu/10.2.2/arm64/tcg/max"], d
PY
expect 3 "show an unknown set" -- "$rc_bin" db show "$db" qemu/10.0.13/arm64/tcg/maxx
contains "did you mean qemu/10.0.13/arm64/tcg/max" "unknown set: the closest keys suggested"
contains "lists all" "and where to see them all"
expect 2 "show a key cut short" -- "$rc_bin" db show "$db" qemu/10.2
contains "did you mean qemu/10.2.2/arm64/tcg/" "a cut-short key: the keys it begins"

# Bad YAML: the error names file:line:col, the exit code is 3, nothing crashes.
cp -r "$db" "$tmp/bad"
f="$tmp/bad/releases/qemu/10.0.13.yaml"
sed -i '0,/index: 0x6030000000139828/s//index: 0xZZZ/' "$f"
line=$(grep -n 'index: 0xZZZ' "$f" | cut -d: -f1)
expect 3 "validate reports a bad hex index" -- "$rc_bin" db validate "$tmp/bad"
contains "10.0.13.yaml:$line:" "error names file and line"
expect 3 "validate --format json: the diagnostics as JSON" -- "$rc_bin" db validate "$tmp/bad" --format json
python3 - "$tmp/out" "$line" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: validate json diagnostics"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["valid"] is False, d
assert any(x["file"].endswith("10.0.13.yaml") and x["line"] == int(sys.argv[2]) and "0xZZZ" in x["message"]
           for x in d["diagnostics"]), d
PY
printf 'schema_version: 1\nname: [unclosed\n' > "$tmp/bad/regcompat-db.yaml"
expect 3 "validate reports a YAML syntax error" -- "$rc_bin" db validate "$tmp/bad"
contains "regcompat-db.yaml:" "syntax error names the file"

# format: canonical input stays byte-identical.
cp -r "$db" "$tmp/fmt"
expect 0 "format the sample" -- "$rc_bin" db format "$tmp/fmt"
if diff -r "$db" "$tmp/fmt" >/dev/null; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: format changed the canonical sample"; diff -r "$db" "$tmp/fmt" | head; fi

# --- migrate-check --rules runtime: regcompat's own runtime merge ----------
src=qemu/10.2.2/arm64/tcg/max
dst=qemu/10.0.13/arm64/tcg/max
expect 1 "10.2.2 -> 10.0.13 fails without a table" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst
contains "0x40200000200e0298 (p14,3,c0,c5,0,ns, BOGUS_DBGDTR_EL0)" "names the bogus register"
contains "load would fail" "summary"
expect 0 "backward 10.0.13 -> 10.2.2 alone loads" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst --direction backward
expect 1 "strict backward fails: the destination's extra register gets no value" -- \
  "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst --direction backward --strict
expect 0 "both directions load with virt-10.0's table" -- "$rc_bin" migrate-check --rules runtime --db "$db" \
  --source $src --dest $dst --direction both --compat "$root/database/sample-compat/virt-10.0.yaml"
contains "safe-missing" "the note says why it loads"
expect 1 "kernel 6.12 -> 7.1 fails on TCR2/PIR registers" -- "$rc_bin" migrate-check --rules runtime --db "$db" \
  --source linux/6.12/arm64/kvm/base --dest linux/7.1/arm64/kvm/base --format json
python3 - "$tmp/out" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: migrate-check json"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["loads"] is False and d["schema_version"] == 1 and d["machine_type"] is None, d
errs = sorted(f["index"] for f in d["paths"][0]["findings"] if f["severity"] == "error")
assert errs == ["0x603000000013c103", "0x603000000013c512", "0x603000000013c513"], errs
PY
expect 2 "sets of two architectures are refused" -- "$rc_bin" migrate-check --rules runtime --db "$db" \
  --source linux/6.12/arm64/kvm/base --dest linux/6.12/x86_64/kvm/base
contains "a migration never crosses architectures" "says why"
expect 2 "db diff of two architectures' sets is refused" -- "$rc_bin" db diff "$db" \
  --from linux/6.12/arm64/kvm/base --to linux/6.12/x86_64/kvm/base
contains "share no register" "says why"
expect 2 "bad direction" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst --direction sideways
expect 2 "bad set key" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source qemu/10.2.2 --dest $dst
expect 2 "missing compat file" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst --compat "$tmp/nope.yaml"
printf 'schema_version: 1\nmachine_type: virt-10.0\nhidden:\n  - {index: 0x123, reason: x}\n' > "$tmp/bad-compat.yaml"
expect 3 "bad compat entry" -- "$rc_bin" migrate-check --rules runtime --db "$db" --source $src --dest $dst --compat "$tmp/bad-compat.yaml"
contains "bad-compat.yaml:4:" "compat error names file and line"
REGCOMPAT_DB="$db" expect 1 "REGCOMPAT_DB is honoured" -- "$rc_bin" migrate-check --rules runtime --source $src --dest $dst

# --- migrate-check (default): real QEMU's loader rules -------------------------
expect 1 "QEMU 10.0.13 refuses 10.2.2's longer list" -- "$rc_bin" migrate-check --db "$db" --source $src --dest $dst
contains "FAILS (length-cap)" "the failing check is named"
contains "qemu: Invalid value" "QEMU's own message"
expect 1 "json: backward, a 10.2.2 destination" -- "$rc_bin" migrate-check --db "$db" --source $src --dest $dst \
  --direction both --format json
json "QEMU rules in json" 'p = d["paths"]; assert d["schema_version"] == 1 and d["rules"] == "qemu"; assert p[0]["failed_check"] == "length-cap" and p[0]["incoming_count"] == p[0]["dest_count"] + 1, p[0]'
expect 2 "kernel sets are judged by --rules runtime" -- "$rc_bin" migrate-check --db "$db" \
  --source linux/6.12/arm64/kvm/base --dest linux/7.1/arm64/kvm/base
contains "--rules runtime" "the refusal says what to use"
expect 2 "--compat belongs to the runtime rules" -- "$rc_bin" migrate-check --db "$db" --source $src --dest $dst \
  --compat "$root/database/sample-compat/virt-10.0.yaml"
expect 2 "a stream needs its release" -- "$rc_bin" migrate-check --db "$db" --source "$root/tests/fixtures/stream/minimal.qevm" --dest $dst
expect 3 "a corrupt stream names the offset" -- "$rc_bin" migrate-check --db "$db" --source "$root/README.md" \
  --source-release 10.0.13 --dest $dst
contains "offset 0x" "the offset is named"
expect 2 "11.0 has no confirmed loader rules" -- "$rc_bin" migrate-check --db "$db" --source $src --dest $dst --dest-release 11.0.2

# --- hostile files: nothing unbounded, nothing clobbered ------------------------
policy="$root/database/sample-policy.yaml"
start=$(date +%s)
# (check reports invalid input with its error bit, 1)
expect 3 "a policy that is /dev/zero is refused (invalid input, as in every command)" -- "$rc_bin" check --db "$db" --policy /dev/zero
contains "/dev/zero: cannot read the policy file: a character device, not a regular file" "names what it is"
mkfifo "$tmp/policy.fifo"
expect 3 "a FIFO policy is refused, not waited on" -- "$rc_bin" gen --db "$db" --policy "$tmp/policy.fifo"
contains "a FIFO, not a regular file" "names the FIFO"
expect 3 "a pipeline file that is /dev/zero" -- "$rc_bin" pipeline plan /dev/zero
expect 3 "a stream that is /dev/zero" -- "$rc_bin" probe stream /dev/zero --release 7.2 --cpu max
expect 3 "a vm result that is /dev/zero" -- "$rc_bin" report --db "$db" --policy "$policy" --out "$tmp/r.html" --vm-result /dev/zero
if [ $(( $(date +%s) - start )) -lt 30 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: refusing special files took too long"; fi
# gen writes all its outputs or none; a device is written into, not replaced.
expect 5 "gen with an output that cannot be written" -- "$rc_bin" gen --db "$db" --policy "$policy" \
  --cpp-header "$tmp/all-or-none.h" --json "$tmp/no-such-dir/report.json"
if [ ! -e "$tmp/all-or-none.h" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: gen wrote one output of a failed run"; fi
expect 5 "gen --json /dev/full reports the write error" -- "$rc_bin" gen --db "$db" --policy "$policy" --json /dev/full
if [ -c /dev/full ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: /dev/full was replaced"; fi
"$rc_bin" gen --db "$db" --policy "$policy" --json /dev/stdout > "$tmp/via-stdout.json"
json_file_ok=$(python3 -c "import json,sys; json.load(open(sys.argv[1])); print(1)" "$tmp/via-stdout.json" 2>/dev/null)
if [ "$json_file_ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: --json /dev/stdout"; fi
# A failed write to stdout is exit 5 in every command, check too (its 4 is a verdict).
"$rc_bin" check --db "$db" --policy "$policy" --rules runtime > /dev/full 2>"$tmp/err"; rc=$?
if [ $rc -eq 5 ] && grep -q "cannot write to standard output" "$tmp/err"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: check > /dev/full exited $rc, want 5"; fi
"$rc_bin" decode 0x603000000013c103 > /dev/full 2>/dev/null; rc=$?
if [ $rc -eq 5 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: decode > /dev/full exited $rc, want 5"; fi

# db merge --into is atomic as a whole: killed at any moment, the target is
# the old database or the new one, and the next run clears what was left.
"$rc_bin" db merge --into "$tmp/merge-old" "$db" >/dev/null
"$rc_bin" db merge --into "$tmp/merge-new" "$root/database/real" >/dev/null
"$rc_bin" db merge --into "$tmp/merge" "$db" >/dev/null
mixed=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  if [ $((i % 2)) -eq 0 ]; then src="$db"; else src="$root/database/real"; fi
  "$rc_bin" db merge --into "$tmp/merge" "$src" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((i * 7 % 10))"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  if ! diff -r "$tmp/merge" "$tmp/merge-old" >/dev/null 2>&1 && ! diff -r "$tmp/merge" "$tmp/merge-new" >/dev/null 2>&1; then
    mixed=$((mixed + 1)); echo "killed merge $i left a mixed database"
  fi
done
if [ $mixed -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $mixed killed merges left a mix"; fi
expect 0 "a merge after killed ones" -- "$rc_bin" db merge --into "$tmp/merge" "$root/database/real"
if diff -r "$tmp/merge" "$tmp/merge-new" >/dev/null && ! ls -a "$tmp" | grep -q '^\.merge\.staging'; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: the merge after killed ones left staging directories or differs"
fi

finish
