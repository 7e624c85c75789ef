#!/usr/bin/env bash
# The shipped pipeline end to end (release/pipeline.yaml, what
# scripts/main-job runs): database, generated tables, gate, the regvm
# migration matrix and the reports. The VM stages must show the real
# breakages without tables and clean migrations with them:
#   aarch64 TCG, virt-10.0, max: 10.2.2 -> 10.0.13 fails on the bogus
#     DBGDTRTX 0x40200000200e0298, 10.0.13 -> 10.2.2 on changed ID registers;
#   x86_64 KVM, pc-10.2: 7.1.8 -> 6.12.107 fails on MSRs 6.12 lacks (when
#     this host lists any of them);
#   with the tables every migration loads and the guest's console output
#   equals an unmigrated run's.
# Usage: pipeline_vm_test.sh REGCOMPAT REGVM GUEST_DIR SOURCE_ROOT
set -uo pipefail
rc_bin=$1
regvm=$2
guests=$3
root=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../cli/assertions.sh
source "$root/tests/cli/assertions.sh"

out="$tmp/run"
kvm=yes
[ -r /dev/kvm ] && [ -w /dev/kvm ] || kvm=no
pipeline="$root/release/pipeline.yaml"
if [ "$kvm" = no ]; then
  # No KVM here: the x86 VM stage cannot run; keep the aarch64 one.
  python3 - "$pipeline" "$tmp/p.yaml" "$root" <<'PY'
import sys
text = open(sys.argv[1]).read().replace('../database', sys.argv[3] + '/database')
head, _, vms = text.partition('vm_migrations:')
keep = [b for b in vms.split('\n  - ') if 'arch: x86_64' not in b]
open(sys.argv[2], 'w').write(head + 'vm_migrations:' + '\n  - '.join(keep))
PY
  pipeline="$tmp/p.yaml"
fi

expect 0 "the shipped pipeline runs end to end" -- \
  "$rc_bin" pipeline run "$pipeline" --out "$out" --regvm "$regvm" --guest-dir "$guests"
# A VM stage (about 10 s) shows its progress while it runs: the heartbeat
# with the migration its log is at, not seconds of silence.
contains "(virt-10.0): running, 5 s: vm-run: " "the VM stage reports its progress while it runs"
cp "$out/vm/dbgdtr-tcg.json" "$tmp/out" 2>/dev/null
json "aarch64: fails without the table both ways (DBGDTRTX named backward), loads with it, same console" "
att = {(a['direction'], a['with_table']): a for a in d['attempts']}
assert d['ok'], d
b = att[('backward', False)]
assert b['status'] == 'fails' and b['finished_on'] == 'source (resumed)', b
assert any('0x40200000200e0298' in e for e in b['errors']), b['errors']
f = att[('forward', False)]
assert f['status'] == 'fails' and any('0x603000000013c021' in e for e in f['errors']), f['errors']
for k in [('forward', True), ('backward', True)]:
    assert att[k]['status'] == 'loads' and att[k]['finished_on'] == 'destination' and att[k]['console_matches'], att[k]
for a in d['attempts']: assert a['guest_finished'] and a['console_matches'], a"
if [ "$kvm" = yes ]; then
  cp "$out/vm/kernel-msrs-kvm.json" "$tmp/out"
  json "x86_64 KVM: loads with the table both ways, the guest finishes with the same console" "
att = {(a['direction'], a['with_table']): a for a in d['attempts']}
assert d['ok'], d
for k in [('forward', True), ('backward', True)]:
    assert att[k]['status'] == 'loads' and att[k]['console_matches'], att[k]
b = att[('backward', False)]
if b['status'] == 'fails':
    assert b['finished_on'] == 'source (resumed)' and any('MSR 0x' in e for e in b['errors']), b
for a in d['attempts']: assert a['guest_finished'] and a['console_matches'], a"
fi
for f in report/real-policy.html gate/real-policy.json generated/real-policy/compat_tables.h; do
  if [ -s "$out/$f" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $f not written"; fi
done
# The report's VM section names the registers regvm's messages give by index.
if grep -q "0x40200000200e0298 BOGUS_DBGDTR_EL0 (p14,3,c0,c5,0,ns)" "$out/report/real-policy.html" &&
   grep -q "0x603000000013c021 ID_AA64PFR1_EL1 (S3_0_C0_C4_1)" "$out/report/real-policy.html"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: the report's VM section does not name the registers"
fi
finish
