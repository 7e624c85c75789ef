#!/usr/bin/env bash
# Acceptance on the shipped real database (database/real/, extracted from the
# upstream sources of QEMU 7.2, 10.0.13, 10.2.2 and Linux 6.12.107, 7.1.8)
# under database/real-policy.yaml:
#   (a) 10.2.2 -> 10.0.13 under TCG fails on the bogus DBGDTRTX 0x40200000200e0298;
#   (b) 6.12 -> 7.1 under KVM fails on TCR2_EL1, PIRE0_EL1, PIR_EL1;
#   (c) 7.1 -> 6.12 under KVM fails on VENDOR_HYP_BMAP_2;
#   (d) the generated tables make every required migration load, and the QEMU
#       form of virt-10.0 carries those indexes in the right properties;
#   (e) 7.2 <-> 10.0.13 names registers gained, lost and changed.
# Usage: real_db_test.sh REGCOMPAT_BINARY SOURCE_ROOT
set -uo pipefail
rc_bin=$1
root=$2
db="$root/database/real"
policy="$root/database/real-policy.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=assertions.sh
source "$(dirname "$0")/assertions.sh"

# --- the database -----------------------------------------------------------
expect 0 "validate the real database" -- "$rc_bin" db validate "$db"
contains "valid" "validate says valid"
big=$(find "$db" -type f -size +2048k)
if [ -z "$big" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: files over 2 MiB: $big"; fi

# --- check without compat tables: (a) (b) (c) (e) ---------------------------
# The runtime's merge (VMMs that embed the runtime library); real QEMU's
# loader is judged below.
expect 4 "check: fixable breaks without compat tables" -- \
  "$rc_bin" check --db "$db" --policy "$policy" --rules runtime --format json
json "check json: the verdict is ship with the generated tables" '
assert d["verdict"] == "ship-with-tables", d["verdict"]
assert d["verdict_summary"] == "Ship with the generated compat tables (regcompat gen): 180 of the 308 required migrations fail without compat tables, and the tables fix every one.", d["verdict_summary"]'
json "check json: 308 checked, 180 broken, all fixable" '
assert d["checked"] == 308 and len(d["broken"]) == 180, (d["checked"], len(d["broken"]))
assert all(b["fixable"] for b in d["broken"])'

json "(a) every 10.2.2 -> 10.0.13 TCG migration names the bogus DBGDTRTX" '
B = [b for b in d["broken"] if b["source"].startswith("10.2.2/") and b["dest"].startswith("10.0.13/") and "/tcg/" in b["source"]]
models = {b["source"].split("/")[3] for b in B}
assert models == {"cortex-a53", "cortex-a57", "cortex-a72", "neoverse-n1", "a64fx", "max"}, models
assert len(B) == 48, len(B)   # 6 models x 2x2 kernels x machine types virt-7.2 and virt-10.0
for b in B:
    r = [r for r in b["registers"] if r["index"] == "0x40200000200e0298"]
    assert r and r[0]["kind"] == "not-here" and r[0]["side"] == "source only", b
    assert r[0]["fix"]["entry"] == "hidden", r'

json "(b) every 6.12 -> 7.1 KVM migration names TCR2_EL1, PIRE0_EL1, PIR_EL1" '
B = [b for b in d["broken"] if "/kvm/" in b["source"] and b["source"].split("/")[1] == "6.12.107" and b["dest"].split("/")[1] == "7.1.8"]
assert len(B) == 14, len(B)
want = {"0x603000000013c103": "TCR2_EL1", "0x603000000013c512": "PIRE0_EL1", "0x603000000013c513": "PIR_EL1"}
for b in B:
    got = {r["index"]: r for r in b["registers"]}
    for i, n in want.items():
        assert i in got and got[i]["name"] == n and got[i]["kind"] == "not-here", (b["source"], b["dest"], i)
        assert got[i]["fix"]["entry"] == "safe-missing", got[i]'

json "(c) every 7.1 -> 6.12 KVM migration names VENDOR_HYP_BMAP_2" '
B = [b for b in d["broken"] if "/kvm/" in b["source"] and b["source"].split("/")[1] == "7.1.8" and b["dest"].split("/")[1] == "6.12.107"]
assert len(B) == 14, len(B)
for b in B:
    r = [r for r in b["registers"] if r["index"] == "0x6030000000160003"]
    assert r and "VENDOR_HYP_BMAP_2" in r[0]["name"] and r[0]["fix"]["entry"] == "hidden", b'

json "KVM migrations under one kernel all load" '
assert not [b for b in d["broken"] if "/kvm/" in b["source"] and b["source"].split("/")[1] == b["dest"].split("/")[1]]'

json "(e) 7.2 <-> 10.0.13 under TCG: registers gained, lost and changed are named" '
def edges(s, t, m):
    return [b for b in d["broken"] if b["source"].startswith(s + "/") and b["dest"].startswith(t + "/") and b["source"].endswith("/tcg/" + m)]
for m in ["cortex-a53", "cortex-a57", "cortex-a72", "neoverse-n1", "a64fx", "max"]:
    assert len(edges("7.2", "10.0.13", m)) == 4 and len(edges("10.0.13", "7.2", m)) == 4, m
# forward: PAR (AArch32, 64-bit) was dropped by 10.0.13; CTR_EL0 of max changed
fwd = {r["index"]: r for r in edges("7.2", "10.0.13", "max")[0]["registers"]}
assert fwd["0x40200000200f3a00"]["kind"] == "not-here" and "dropped" in fwd["0x40200000200f3a00"]["story"]
ctr = fwd["0x603000000013d801"]
assert ctr["kind"] == "constant-mismatch" and ctr["side"] == "both", ctr
# backward: DBGDTRTX (AArch32, opc1 0) was added by 10.0.13
bwd = {r["index"]: r for r in edges("10.0.13", "7.2", "cortex-a57")[0]["registers"]}
assert bwd["0x40200000200e0280"]["kind"] == "not-here" and "added" in bwd["0x40200000200e0280"]["story"]
assert any(r["kind"] == "constant-mismatch" for r in bwd.values())'

# --- the same migrations judged by real QEMU's loader (the default) ----------
expect 12 "check: real QEMU cannot load every required migration" -- \
  "$rc_bin" check --db "$db" --policy "$policy" --format json
json "QEMU: 88 load as is, 220 need what QEMU cannot express" '
assert d["rules"] == "qemu" and d["schema_version"] == 1 and d["checked"] == 308, d.get("counts")
import re
assert [i["role"] for i in d["inputs"]] == ["database", "policy"], d["inputs"]
assert d["inputs"][0]["path"].endswith("database/real") and d["inputs"][1]["path"].endswith("real-policy.yaml"), d["inputs"]
assert all(re.match(r"^[0-9a-f]{32}$", i["digest"]) for i in d["inputs"]), d["inputs"]
assert d["counts"] == {"loads-as-is": 88, "loads-under-own-tolerances": 0, "fixed-by-generated-tolerances": 0, "inexpressible": 220}, d["counts"]
M = {(m["machine_type"], m["source"], m["dest"]): m for m in d["migrations"]}
# The issue the runtime hid: 10.2.2 refuses a 10.0.13 cortex-a57 stream (its
# bogus DBGDTRTX is a constant only it has; the stale slot fails read-back).
m = M[("virt-10.0", "10.0.13/6.12.107/tcg/cortex-a57", "10.2.2/6.12.107/tcg/cortex-a57")]
assert m["verdict"] == "inexpressible" and m["failed_check"] == "read-back", m
assert [(o["kind"], o["registers"]) for o in m["obstacles"]] == [("added-constant", ["0x40200000200e0298"])], m["obstacles"]
# KVM 6.12 -> 7.1 under 10.0.13: the length cap, the three registers 7.1 dropped.
m = M[("virt-10.0", "10.0.13/6.12.107/kvm/base", "10.0.13/7.1.8/kvm/base")]
assert m["failed_check"] == "length-cap" and not m["values_judged"], m
assert m["obstacles"][0]["kind"] == "length-cap" and m["obstacles"][0]["registers"] == ["0x603000000013c103", "0x603000000013c512", "0x603000000013c513"], m["obstacles"]
assert "Invalid value 245 expecting positive value <= 243" in m["messages"], m["messages"]
# 7.2 -> 10.0.13 max: CTR_EL0 changed; a changed constant is never fixed for QEMU.
m = M[("virt-7.2", "7.2/6.12.107/tcg/max", "10.0.13/6.12.107/tcg/max")]
assert m["verdict"] == "inexpressible", m
kinds = {o["kind"] for o in m["obstacles"]}
assert kinds <= {"changed-constant", "added-constant", "length-cap", "removed-register"}, kinds
assert all(o["fix"] for o in m["obstacles"])'
# The HTML report gives the same verdict.
expect 0 "report under QEMU rules" -- "$rc_bin" report --db "$db" --policy "$policy" --out "$tmp/qemu.html" \
  --json "$tmp/qemu-gate.json"
if cmp -s "$tmp/qemu-gate.json" <("$rc_bin" check --db "$db" --policy "$policy" --format json) &&
   grep -q 'id="gate" data-exit-status="12" data-rules="qemu"' "$tmp/qemu.html" &&
   grep -q "88 load as is, 0 load under the release&#39;s own tolerances\|88 load as is, 0 load under the release's own tolerances" "$tmp/qemu.html"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: the report's gate is not check's QEMU verdict"; grep -n 'id="gate"' "$tmp/qemu.html" | head -3
fi

# --- (d) the generated tables ----------------------------------------------
expect 0 "gen: every required migration loads with the tables" -- \
  "$rc_bin" gen --db "$db" --policy "$policy" --qemu-xmig "$tmp/virt-compat.c" --qemu "$tmp/tolerances.c" \
    --compat-dir "$tmp/compat" --json "$tmp/gen.json"
# gen --machine: one machine type, its table as the whole policy computes it.
expect 0 "gen --machine virt-10.0" -- \
  "$rc_bin" gen --db "$db" --policy "$policy" --machine virt-10.0 --compat-dir "$tmp/compat-one" --json "$tmp/gen-one.json"
if [ "$(ls "$tmp/compat-one")" = "virt-10.0.yaml" ] && cmp -s "$tmp/compat-one/virt-10.0.yaml" "$tmp/compat/virt-10.0.yaml"; then
  passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: gen --machine virt-10.0: $(ls "$tmp/compat-one")"; fi
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [m["name"] for m in d["machine_types"]] == ["virt-10.0"], d["machine_types"]' \
  "$tmp/gen-one.json" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: gen --machine: JSON report"; }
expect 3 "gen --machine of an undeclared machine type" -- \
  "$rc_bin" gen --db "$db" --policy "$policy" --machine virt-10.1
contains "the policy declares no machine type 'virt-10.1'; did you mean virt-10.0, virt-10.2 or virt-7.2?" "gen --machine: did you mean"
expect 2 "gen --machine with --qemu" -- "$rc_bin" gen --db "$db" --policy "$policy" --machine virt-10.0 --qemu -
expect 0 "check under the generated compat files" -- \
  "$rc_bin" check --db "$db" --policy "$policy" --compat "$tmp/compat"
contains "0 fail under the current compat files" "nothing fails under the tables"
expect 0 "check -q under the generated compat files" -- \
  "$rc_bin" check --db "$db" --policy "$policy" --compat "$tmp/compat" -q
contains "Ship: all 308 required migrations load under the current compat files." "check -q: ship"
python3 - "$tmp/virt-compat.c" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: (d) QEMU form of virt-10.0"; }
import re, sys
text = open(sys.argv[1]).read()
block = text[text.index("arm_virt_10_0_mig_regs_compat[] = {"):]
block = block[:block.index("\n};")]
def prop(name):
    m = re.search(r'"%s",\s*((?:"[^"]*"\s*)+)\}' % name, block)
    return set("".join(re.findall(r'"([^"]*)"', m.group(1))).split(","))
hidden, safe = prop("x-mig-hidden-regs"), prop("x-mig-safe-missing-regs")
assert {"0x40200000200e0298", "0x6030000000160003"} <= hidden, hidden
assert safe == {"0x603000000013c103", "0x603000000013c512", "0x603000000013c513"}, safe
assert not hidden & safe
PY
# The tolerance form upstream merged: for -cpu host under KVM, exactly the
# four tolerances upstream wrote by hand for the kernels 6.12 -> 7.1.
python3 - "$tmp/tolerances.c" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: (d) KVM tolerances"; }
import re, sys
text = open(sys.argv[1]).read()
body = text[text.index("regcompat_kvm_host_mig_tolerances(ARMCPU *cpu)\n{"):]
body = body[:body.index("\n}")]
calls = re.findall(r"arm_register_cpreg_mig_tolerance\(cpu,\s*([^;]*)\);", body)
calls = [re.sub(r"\s+", " ", c) for c in calls]
assert calls == ["ARM64_SYS_REG(3, 0, 2, 0, 3), 0, 0, ToleranceNotOnBothEnds",
                 "ARM64_SYS_REG(3, 0, 10, 2, 2), 0, 0, ToleranceNotOnBothEnds",
                 "ARM64_SYS_REG(3, 0, 10, 2, 3), 0, 0, ToleranceNotOnBothEnds",
                 "KVM_REG_ARM_FW_FEAT_BMAP_REG(3), UINT64_MAX, 0, ToleranceOnlySrcTestValue"], calls
assert "ENCODE_CP_REG(14, 0, 1, 0, 5, 3, 0)" in text  # the bogus DBGDTRTX, for TCG
assert all(len(l) <= 80 for l in text.splitlines())
PY
python3 - "$tmp/gen.json" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: (d) gen json summary"; }
import json, sys
g = json.load(open(sys.argv[1]))
s = g["summary"]
assert (s["platforms"], s["required_migrations"], s["failing_without_tables"], s["failing_with_tables"]) == (42, 308, 180, 0), s
for mt in g["machine_types"]:
    assert all(m["with_table"]["loads"] for m in mt["migrations"]), mt["name"]
PY

# --- the real-QEMU matrix in the report (a hand-written matrix result) ---------
expect 0 "report shows the real-QEMU matrix" -- "$rc_bin" report --db "$db" --policy "$policy" \
  --out "$tmp/real.html" --real-qemu "$root/tests/fixtures/report/real-qemu-matrix.json"
if grep -q "prediction = reality in 1" "$tmp/real.html" && grep -q "DISAGREES" "$tmp/real.html" &&
   grep -q "10.0.13 -&gt; 11.1.3: real QEMU fails, predicted fails (unknown-register)\|10.0.13 -> 11.1.3: real QEMU fails, predicted fails (unknown-register)" "$tmp/real.html"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: the report's real-QEMU section"; grep -n "Real QEMU" -A4 "$tmp/real.html" | head
fi
printf '{"cells": 3}' > "$tmp/bad-matrix.json"
expect 3 "a matrix result without cells is refused" -- "$rc_bin" report --db "$db" --policy "$policy" \
  --out "$tmp/bad.html" --real-qemu "$tmp/bad-matrix.json"
contains "not a real-qemu-matrix result" "the refusal says why"

finish
