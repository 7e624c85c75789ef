#!/bin/bash
# The installed layout stands on its own: `meson install` of this build into
# a scratch DESTDIR, then the autopkgtest (debian/tests/installed-pipeline)
# against it: the default database found beside the binary, the shipped
# pipeline run from share/regcompat with its guests and scripts.
# usage: installed_tree_test.sh BUILD_DIR SOURCE_ROOT
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
bin="$tmp/root$prefix/bin"
[ -x "$bin/regcompat" ] || { echo "FAIL: no $bin/regcompat"; exit 1; }
libdir=$(dirname "$(find "$tmp/root" -name 'libregcompat-runtime.so.0' | head -1)")
unset REGCOMPAT_DB
mkdir -p "$tmp/autopkgtest"
PATH="$bin:$PATH" LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" AUTOPKGTEST_TMP="$tmp/autopkgtest" \
  "$root/debian/tests/installed-pipeline"
