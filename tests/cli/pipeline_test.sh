#!/usr/bin/env bash
# `regcompat pipeline run` on the shipped default (release/pipeline.yaml):
# every stage runs and writes its output; a second run skips them all; a
# changed policy re-runs only what depends on it; a bad pipeline file is
# reported with file:line:col; a failing stage is named with its input and
# log, and what earlier stages wrote stays. The VM stages are left out here:
# tests/vm/pipeline_vm_test.sh runs the whole shipped pipeline.
# Usage: pipeline_test.sh REGCOMPAT_BINARY SOURCE_ROOT
set -uo pipefail
rc_bin=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=assertions.sh
source "$(dirname "$0")/assertions.sh"

out="$tmp/run"
# A copy of the shipped pipeline without its VM stages.
sed '/^vm_migrations:/,$d' "$root/release/pipeline.yaml" > "$tmp/p.yaml"
sed -i "s|\.\./database|$root/database|g" "$tmp/p.yaml"

expect 0 "pipeline run on the shipped default" -- "$rc_bin" pipeline run "$tmp/p.yaml" --out "$out" --no-probe
contains "update the database" "progress names the database stage"
for f in database/regcompat-db.yaml generated/real-policy/compat_tables.h generated/real-policy/compat/virt-10.0.yaml \
         generated/real-policy-x86/compat/pc-10.2.yaml gate/real-policy.json gate/real-policy-x86.json \
         report/real-policy.html report/real-policy-x86.html summary.json; do
  if [ -s "$out/$f" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $f not written"; fi
done
expect 0 "the pipeline's database is valid" -- "$rc_bin" db validate "$out/database"
# The gate's verdict under the generated tables: every required migration loads.
expect 0 "gate JSON parses" -- cat "$out/gate/real-policy.json"
json "gate: all 308 required migrations load under the generated tables" \
  "assert d['checked'] == 308 and d['exit_status'] == 0 and d['broken'] == [], d"
# Real QEMU's verdict on the same migrations, reported beside it: the loaders
# of 7.2 .. 10.2 cap the list and cannot skip a register, so 220 cannot load.
expect 0 "QEMU verdict JSON parses" -- cat "$out/gate/real-policy.qemu.json"
json "QEMU verdict: 88 load as is, 220 need what QEMU cannot express" "
assert d['rules'] == 'qemu' and d['checked'] == 308 and d['exit_status'] == 12, d['counts']
assert d['counts'] == {'loads-as-is': 88, 'loads-under-own-tolerances': 0, 'fixed-by-generated-tolerances': 0, 'inexpressible': 220}, d['counts']"
expect 0 "Debian policy's QEMU verdict" -- cat "$out/gate/debian-policy.qemu.json"
json "Debian policy: all four verdicts (11.1.3 has tolerances)" "
assert d['counts'] == {'loads-as-is': 88, 'loads-under-own-tolerances': 12, 'fixed-by-generated-tolerances': 40, 'inexpressible': 168}, d['counts']"
if [ -e "$out/gate/real-policy-x86.qemu.json" ]; then failed=$((failed + 1)); echo "FAIL: an x86 policy got a QEMU verdict"; else passed=$((passed + 1)); fi

expect 0 "second run" -- "$rc_bin" pipeline run "$tmp/p.yaml" --out "$out" --no-probe --format json
json "second run: every stage unchanged" "assert d['schema_version'] == 1 and d['tool'].startswith('regcompat '), d
assert all(s['status'] == 'skipped' for s in d['stages']), d['stages']
import re
hexd = re.compile(r'^[0-9a-f]{32}$')
for s in d['stages']:
    assert hexd.match(s['input_digest']) and s['inputs'], s
    assert all(hexd.match(i['digest']) and i['path'] for i in s['inputs']), s['inputs']"

# A changed policy: its generate/gate/report run again, the other policy's do not.
cp "$root/database/real-policy-x86.yaml" "$tmp/x86.yaml"
sed -i 's/^description: .*/description: "changed by the test"/' "$tmp/x86.yaml"
sed -i "s|$root/database/real-policy-x86.yaml|$tmp/x86.yaml|" "$tmp/p.yaml"
expect 0 "run after a policy change" -- "$rc_bin" pipeline run "$tmp/p.yaml" --out "$out" --no-probe --format json
json "only the changed policy's stages ran" "
st = {s['id']: s['status'] for s in d['stages']}
assert st['generate:x86'] == 'ran' and st['gate:x86'] == 'ran', st
assert st['database'] == 'skipped' and st['generate:real-policy'] == 'skipped', st"

# A bad pipeline file: every problem with its place, exit 3.
printf 'schema_version: 1\nname: x\ndatabase: db\npolicies: []\nextra: 1\n' > "$tmp/bad.yaml"
expect 3 "bad pipeline file" -- "$rc_bin" pipeline run "$tmp/bad.yaml" --out "$tmp/bad-out"
contains "bad.yaml:4:11: policies: at least one policy is needed" "names line and column"
contains "unknown key 'extra'" "names the unknown key"

# A failing stage (a policy that does not load): named, with its input and log;
# the database stage's output stays.
printf 'schema_version: 1\nname: broken\n' > "$tmp/broken-policy.yaml"
sed "s|$tmp/x86.yaml|$tmp/broken-policy.yaml|" "$tmp/p.yaml" > "$tmp/p-broken.yaml"
expect 1 "a stage fails" -- "$rc_bin" pipeline run "$tmp/p-broken.yaml" --out "$tmp/broken" --no-probe
contains "stage generate:broken-policy" "names the failing stage"
contains "input: $tmp/broken-policy.yaml" "names its input"
contains "log: $tmp/broken/.pipeline/logs/" "names its log"
if [ -f "$tmp/broken/database/regcompat-db.yaml" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: earlier output removed"; fi

finish
