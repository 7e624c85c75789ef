#!/usr/bin/env bash
# Acceptance on database/debian-policy.yaml: what Debian serves today
# (bookworm 7.2, trixie 10.0.13, sid 11.1.3) over the shipped database, where
# 11.1.3 is the real binary's probe, one register set per machine type.
#   (a) 11.1.3's TCG platforms are split per machine type, with constants
#       taken from 10.2.2's source extraction;
#   (b) the gate gives all four of QEMU's verdicts, each for the right reason:
#       11.1.3's own -cpu host tolerances carry KVM 6.12 <-> 7.1 (upstream's
#       very case), the generated ID_AA64ISAR0_EL1 tolerance carries older
#       streams into 11.1.3, a changed constant and the old loaders' length
#       cap cannot be expressed;
#   (c) the HTML report says the same;
#   (d) gen --qemu emits the ID_AA64ISAR0_EL1 tolerance for the TCG models.
# The same verdicts are held against the real binaries by the `qemu` suite
# (release/real-qemu-matrix --gate-policy).
# Usage: debian_policy_test.sh REGCOMPAT_BINARY SOURCE_ROOT
set -uo pipefail
rc_bin=$1
root=$2
db="$root/database/real"
policy="$root/database/debian-policy.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=assertions.sh
source "$(dirname "$0")/assertions.sh"

# --- (a) platforms ------------------------------------------------------------
expect 0 "gen on the Debian policy" -- "$rc_bin" gen --db "$db" --policy "$policy" --json "$tmp/gen.json" \
  --qemu "$tmp/tolerances.c"
cp "$tmp/gen.json" "$tmp/out"
json "(a) 66 platforms, 11.1.3's TCG ones per machine type" '
ids = {p["id"] for p in d["platforms"]}
assert d["summary"]["platforms"] == 66, d["summary"]
assert "11.1.3/6.12.107/tcg/max@virt-7.2" in ids and "11.1.3/6.12.107/tcg/max@virt-10.2" in ids, sorted(ids)[:5]
assert "11.1.3/6.12.107/tcg/max" not in ids and "10.0.13/6.12.107/tcg/max" in ids
assert "11.1.3/6.12.107/kvm/base" in ids
for mt in d["machine_types"]:
    for m in mt["migrations"]:
        for end in (m["source"], m["dest"]):
            assert "@" not in end or end.endswith("@" + mt["name"]), (mt["name"], end)'

# --- (b) the gate, judged by real QEMU's loader ---------------------------------
expect 12 "check: QEMU cannot load every required migration" -- \
  "$rc_bin" check --db "$db" --policy "$policy" --format json
json "(b) the four verdicts" '
assert d["counts"] == {"loads-as-is": 88, "loads-under-own-tolerances": 12, "fixed-by-generated-tolerances": 40, "inexpressible": 168}, d["counts"]
M = {(m["machine_type"], m["source"], m["dest"]): m for m in d["migrations"]}
m = M[("virt-10.0", "11.1.3/6.12.107/kvm/base", "11.1.3/7.1.8/kvm/base")]
assert m["verdict"] == "loads-under-own-tolerances", m
assert m["tolerated"] == ["0x603000000013c103", "0x603000000013c512", "0x603000000013c513"], m["tolerated"]
m = M[("virt-10.0", "11.1.3/7.1.8/kvm/base", "11.1.3/6.12.107/kvm/base")]
assert m["verdict"] == "loads-under-own-tolerances" and m["tolerated"] == ["0x6030000000160003"], m
m = M[("virt-7.2", "10.0.13/6.12.107/tcg/cortex-a57", "11.1.3/6.12.107/tcg/cortex-a57@virt-7.2")]
assert m["verdict"] == "fixed-by-generated-tolerances" and m["needed_tolerances"] == ["0x603000000013c030"], m
m = M[("virt-10.0", "10.0.13/6.12.107/tcg/max", "11.1.3/6.12.107/tcg/max@virt-10.0")]
assert m["verdict"] == "inexpressible" and m["failed_check"] == "read-back", m
assert "0x603000000013c021" in [r for o in m["obstacles"] if o["kind"] == "changed-constant" for r in o["registers"]]
m = M[("virt-10.0", "11.1.3/6.12.107/tcg/max@virt-10.0", "10.0.13/6.12.107/tcg/max")]
assert m["verdict"] == "inexpressible" and [o["kind"] for o in m["obstacles"]] == ["length-cap"], m
# No migration into an old loader is ever fixed by a tolerance.
assert not [m for m in d["migrations"] if m["verdict"] == "fixed-by-generated-tolerances" and not m["dest"].startswith("11.1.3/")]'
expect 12 "check text" -- "$rc_bin" check --db "$db" --policy "$policy"
# The verdict comes first, in one line; -q prints it alone, same exit status.
head -1 "$tmp/out" >"$tmp/verdict-line"
expect 12 "check -q" -- "$rc_bin" check --db "$db" --policy "$policy" -q
if cmp -s "$tmp/out" "$tmp/verdict-line" && [ "$(wc -l <"$tmp/out")" -eq 1 ]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: check -q is not the first line of check's text"; cat "$tmp/out" | head -3; fi
contains "Do not ship: 168 of the 308 required migrations cannot load on real QEMU whatever tolerances it registers (first: virt-10.0 kvm/base: 10.0.13/6.12.107 -> 10.0.13/7.1.8, length-cap)." \
  "check -q: do not ship, how many, the first one and its obstacle"
expect 2 "check -q --format json is refused" -- "$rc_bin" check --db "$db" --policy "$policy" -q --format json
expect 12 "check text" -- "$rc_bin" check --db "$db" --policy "$policy"
contains "88 load as is, 12 load under the release's own tolerances, 40 need the generated tolerances, 168 need what QEMU cannot express" \
  "(b) the text gives the same counts"
contains "needs the generated tolerances for: ID_AA64ISAR0_EL1 0x603000000013c030" "(b) the text names the tolerance"

# --- (c) the report ------------------------------------------------------------
expect 0 "report" -- "$rc_bin" report --db "$db" --policy "$policy" --out "$tmp/r.html" --json "$tmp/gate.json"
"$rc_bin" check --db "$db" --policy "$policy" --format json >"$tmp/check.json"
if cmp -s "$tmp/gate.json" "$tmp/check.json" && grep -q 'data-qemu="loads-under-own-tolerances"' "$tmp/r.html" &&
   grep -q 'data-verdict="fixed-by-generated-tolerances"' "$tmp/r.html"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: (c) the report's verdict is not the gate's"
fi

# --- (d) the tolerances ----------------------------------------------------------
python3 - "$tmp/tolerances.c" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: (d) tolerances"; }
import sys
text = open(sys.argv[1]).read()
assert "ID_AA64ISAR0_EL1" in text and "ARM64_SYS_REG(3, 0, 0, 6, 0), 0, 0," in text
assert "regcompat_kvm_host_mig_tolerances" in text
assert all(len(l) <= 80 for l in text.splitlines())
PY

finish
