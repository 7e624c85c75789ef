#!/bin/bash
# Debian packaging, end to end: build the binary packages with
# `dpkg-buildpackage -us -uc -b` in a copy of the tree (never in the checkout),
# install them (dpkg -i as root, removed again afterwards if they were not
# installed before; otherwise dpkg-deb -x into a temporary root), run
# `regcompat --version`, and build a VMM test program against the installed
# -dev package: the installed regcompat generates the compat header, the
# program includes it, links the runtime through pkg-config and replays every
# required migration (tests/integration/build_header/build_header_test.{cc,c}).
#
# usage: deb_test.sh SOURCE_ROOT WORK_DIR
# Exit 77 (skipped) when debhelper/dpkg-dev or a build dependency is missing.
set -euo pipefail
root=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
for tool in dpkg-buildpackage dh dpkg-checkbuilddeps pkg-config c++ cc; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (apt-get install debhelper dpkg-dev)"
    exit 77
  fi
done

# --- a copy of the working tree: tracked and new files, no build output ----
rm -rf "$work/src" "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes
mkdir -p "$work/src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
     xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
     tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
  (cd "$root" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$work/src"
fi
cd "$work/src"
if ! missing=$(dpkg-checkbuilddeps 2>&1); then
  echo "SKIP: $missing"
  exit 77
fi

# --- build ------------------------------------------------------------------
start=$(date +%s)
# With the build-time tests (dh_auto_test: unit + suite build-time).
DEB_BUILD_OPTIONS="parallel=${REGCOMPAT_DEB_JOBS:-2}" \
  dpkg-buildpackage -us -uc -b >"$work/dpkg-buildpackage.log" 2>&1 || {
  tail -40 "$work/dpkg-buildpackage.log"
  echo "FAIL: dpkg-buildpackage (log: $work/dpkg-buildpackage.log)"
  exit 1
}
end=$(date +%s)
echo "dpkg-buildpackage -us -uc -b: $((end - start)) s (log: $work/dpkg-buildpackage.log)"
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs=()
for p in regcompat libregcompat-runtime0 libregcompat-runtime-dev; do
  deb="$work/${p}_${version}_${arch}.deb"
  [ -f "$deb" ] || { echo "FAIL: $deb was not built"; ls "$work"; exit 1; }
  debs+=("$deb")
done

# --- what each package holds ------------------------------------------------
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
expect_file() {  # PACKAGE.deb PATH
  contents "$1" | grep -qx "$2" || { echo "FAIL: $(basename "$1") lacks $2"; exit 1; }
}
expect_file "${debs[0]}" /usr/bin/regcompat
expect_file "${debs[0]}" /usr/share/man/man1/regcompat.1.gz
expect_file "${debs[0]}" /usr/share/bash-completion/completions/regcompat
expect_file "${debs[1]}" "/usr/lib/$multiarch/libregcompat-runtime.so.0"
expect_file "${debs[2]}" /usr/include/regcompat/runtime.h
expect_file "${debs[2]}" /usr/include/regcompat_runtime.h
expect_file "${debs[2]}" "/usr/lib/$multiarch/pkgconfig/regcompat-runtime.pc"
expect_file "${debs[2]}" "/usr/lib/$multiarch/libregcompat-runtime.a"
# The shipped default: database, policies, pipeline and its scripts, guests.
share=/usr/share/regcompat
expect_file "${debs[0]}" $share/database/real/regcompat-db.yaml
expect_file "${debs[0]}" $share/database/debian-policy.yaml
expect_file "${debs[0]}" $share/release/pipeline.yaml
expect_file "${debs[0]}" $share/release/fetch-sources
expect_file "${debs[0]}" $share/release/lib/debian-archive.sh
expect_file "${debs[0]}" /usr/share/doc/regcompat/docs/qemu-cpreg-migration.md.gz  # dh_compress
expect_file "${debs[0]}" /usr/lib/regcompat/guests/aarch64/long_compute.elf
grep -q "dh_auto_test" "$work/dpkg-buildpackage.log" && grep -qE "^Ok: +[1-9]" "$work/dpkg-buildpackage.log" ||
  { echo "FAIL: dh_auto_test ran no test"; exit 1; }
echo "dh_auto_test: $(grep -E '^Ok: ' "$work/dpkg-buildpackage.log" | tail -1)"
# lintian, where installed: no error, no warning.
if command -v lintian >/dev/null; then
  changes=$(ls "$work"/regcompat_*.changes)
  lintian --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; echo "FAIL: lintian"; exit 1; }
  echo "lintian: $(grep -cE '^[EW]:' "$work/lintian.log") errors or warnings"
fi
has_regvm=0
if contents "${debs[0]}" | grep -qx /usr/bin/regvm; then
  has_regvm=1
  expect_file "${debs[0]}" /usr/share/man/man1/regvm.1.gz
fi

# --- install ----------------------------------------------------------------
prefix=""
cleanup() { :; }
if [ "$(id -u)" -eq 0 ]; then
  preinstalled=()
  for p in regcompat libregcompat-runtime-dev libregcompat-runtime0; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && preinstalled+=("$p")
  done
  if [ ${#preinstalled[@]} -eq 0 ]; then
    cleanup() { dpkg -r regcompat libregcompat-runtime-dev libregcompat-runtime0 >/dev/null 2>&1 || true; }
    trap cleanup EXIT
  fi
  dpkg -i "${debs[@]}" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log"; echo "FAIL: dpkg -i"; exit 1; }
else
  prefix="$work/root"
  rm -rf "$prefix"
  for d in "${debs[@]}"; do dpkg-deb -x "$d" "$prefix"; done
  export PATH="$prefix/usr/bin:$PATH"
  export LD_LIBRARY_PATH="$prefix/usr/lib/$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PKG_CONFIG_PATH="$prefix/usr/lib/$multiarch/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$prefix"
fi
regcompat=$(command -v regcompat)
[ "$regcompat" = "$prefix/usr/bin/regcompat" ] || { echo "FAIL: regcompat is $regcompat"; exit 1; }
got=$(regcompat --version)
upstream=${version%%-*}
[ "$got" = "regcompat $upstream" ] || { echo "FAIL: regcompat --version says '$got', expected 'regcompat $upstream'"; exit 1; }
echo "$got"
if [ $has_regvm -eq 1 ]; then regvm --version; else echo "note: the package has no regvm (vm/ did not build it)"; fi

# Reproducible: the programs name no path of the build.
for b in "$prefix/usr/bin/regcompat" "$prefix/usr/bin/regvm"; do
  [ -e "$b" ] || continue
  if strings -a "$b" | grep -qF "$work/src"; then echo "FAIL: $b embeds the build path $work/src"; exit 1; fi
done

# --- the main job from the installed packages alone (the autopkgtest) -------
mkdir -p "$work/autopkgtest"
AUTOPKGTEST_TMP="$work/autopkgtest" "$root/debian/tests/installed-pipeline" >"$work/autopkgtest.log" 2>&1 ||
  { tail -30 "$work/autopkgtest.log"; echo "FAIL: debian/tests/installed-pipeline"; exit 1; }
tail -2 "$work/autopkgtest.log"

# --- a VMM built against the installed -dev package -------------------------
vmm="$work/vmm"
rm -rf "$vmm"
mkdir -p "$vmm"
fixture="$root/tests/fixtures/generator"
regcompat gen --db "$fixture/db" --policy "$fixture/policy.yaml" \
  --cpp-header "$vmm/vmm_tables.hpp" --namespace vmm::tables \
  --c-header "$vmm/vmm_tables.h" --c-prefix vmm --with-register-sets --no-pools
read -r -a flags <<<"$(pkg-config --cflags --libs regcompat-runtime)"
harness="$root/tests/integration/build_header"
# The C++ standard the C++ API needs, as the package states it; an older one
# is refused by the header itself, with the reason.
cxx_std=$(pkg-config --variable=cxx_std regcompat-runtime)
[ "$cxx_std" = "c++20" ] || { echo "FAIL: pkg-config cxx_std is '$cxx_std'"; exit 1; }
if echo '#include <regcompat/runtime.h>' | c++ -std=c++17 -x c++ -fsyntax-only "${flags[@]}" - 2>"$vmm/std.err"; then
  echo "FAIL: regcompat/runtime.h compiled as C++17"; exit 1; fi
grep -q "needs C++20" "$vmm/std.err" || { cat "$vmm/std.err" | head -5; echo "FAIL: no C++20 message"; exit 1; }
c++ -std="$cxx_std" -Wall -Wextra -Werror -I"$vmm" "$harness/build_header_test.cc" "${flags[@]}" -o "$vmm/vmm_cpp"
cc -std=c99 -Wall -Wextra -Werror -I"$vmm" "$harness/build_header_test.c" "${flags[@]}" -o "$vmm/vmm_c"
"$vmm/vmm_cpp"
"$vmm/vmm_c"
# The binaries use the installed shared library, not one of a build tree.
# (readlink: /lib is /usr/lib on a merged-/usr system.)
loaded=$(ldd "$vmm/vmm_cpp" | awk '$1 == "libregcompat-runtime.so.0" {print $3}')
[ -n "$loaded" ] && [ "$(readlink -f "$loaded")" = "$(readlink -f "$prefix/usr/lib/$multiarch/libregcompat-runtime.so.0")" ] ||
  { ldd "$vmm/vmm_cpp"; echo "FAIL: not linked against the installed runtime"; exit 1; }
echo "PASS: packages built in $((end - start)) s, installed, generated header built against libregcompat-runtime-dev"
