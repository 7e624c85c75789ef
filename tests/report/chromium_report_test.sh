#!/bin/sh
# The HTML report of the shipped real database, rendered by a real headless
# Chromium (Debian's `chromium`): the page loads, every machine type has its
# section, every matrix cell shows the runtime's verdict (gen's JSON) and real
# QEMU's (the release gate's JSON), the
# register-set plot has one bar per release's set; the screenshot is kept.
#
# usage: chromium_report_test.sh REGCOMPAT SOURCE_ROOT OUT_DIR
# Fails when chromium (which scripts/install-deps installs) is missing.
set -eu
regcompat=$1
root=$2
out=$3
chromium=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db="$root/database/real"
policy="$root/database/real-policy.yaml"

"$regcompat" report --db "$db" --policy "$policy" --out "$out/report.html" --json "$out/gate.json"
"$regcompat" gen --db "$db" --policy "$policy" --json "$out/gen.json"
# Deterministic: a second run gives the same bytes.
"$regcompat" report --db "$db" --policy "$policy" --out "$out/report-again.html"
cmp "$out/report.html" "$out/report-again.html"
# The gate's JSON the report wrote is `regcompat check --format json`'s.
rc=0
"$regcompat" check --db "$db" --policy "$policy" --format json >"$out/check.json" || rc=$?
# Real QEMU's loaders (7.2 .. 10.2) cannot load 220 of the 308: exit 12.
[ $rc -eq 12 ] || { echo "FAIL: regcompat check exited $rc, expected 12 (QEMU cannot express some fixes)"; exit 1; }
cmp "$out/gate.json" "$out/check.json"
if [ ! -x "$chromium" ]; then
  echo "FAIL: $chromium is not installed (scripts/install-deps installs chromium)"
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
run_chromium() {
  timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" "$@" "file://$out/report.html" 2>"$out/chromium.log"
}
run_chromium --dump-dom >"$out/report.dom.html"
rm -f "$out/report.png"
run_chromium --window-size=1400,3000 --screenshot="$out/report.png" >/dev/null
[ -s "$out/report.png" ] || { echo "FAIL: no screenshot"; cat "$out/chromium.log"; exit 1; }

python3 "$root/tests/report/check_report_dom.py" "$out/report.dom.html" "$out/gen.json" "$out/gate.json" \
  "$out/report.png"
echo "screenshot: $out/report.png"
