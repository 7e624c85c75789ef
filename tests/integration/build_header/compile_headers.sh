#!/bin/sh
# Compiles generated headers with every compiler and standard the generator
# promises: g++ and clang++ with -std=c++17 and -std=c++20, gcc and clang
# with -std=c99 and -std=c11, all with -Wall -Wextra -Werror -pedantic.
# Usage: compile_headers.sh CPP_HEADER C_HEADER. A compiler that is not
# installed (scripts/install-deps installs all four) fails the test.
set -u
# Absolute paths: the test programs are compiled in a temporary directory.
cpp_header=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
c_header=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Each header twice (include guards) and a use of every table.
cat > "$tmp/t.cc" <<CC
#include "$cpp_header"
#include "$cpp_header"
int main() { return vmm::tables::kTables.size() == 3 ? 0 : 1; }
CC
cat > "$tmp/t.c" <<C
#include "$c_header"
#include "$c_header"
int main(void) { return VMM_TABLE_COUNT == 3 && vmm_tables[0].machine_type != 0 ? 0 : 1; }
C
ran=0
failed=0
for cc in g++ clang++-14; do
  command -v "$cc" >/dev/null 2>&1 || { echo "FAIL: $cc not installed (scripts/install-deps)"; failed=$((failed + 1)); continue; }
  for std in c++17 c++20; do
    ran=$((ran + 1))
    if "$cc" -std=$std -Wall -Wextra -Werror -pedantic -o "$tmp/a" "$tmp/t.cc" && "$tmp/a"; then
      echo "ok: $cc -std=$std"
    else
      echo "FAIL: $cc -std=$std"; failed=$((failed + 1))
    fi
  done
done
for cc in gcc clang-14; do
  command -v "$cc" >/dev/null 2>&1 || { echo "FAIL: $cc not installed (scripts/install-deps)"; failed=$((failed + 1)); continue; }
  for std in c99 c11; do
    ran=$((ran + 1))
    if "$cc" -std=$std -Wall -Wextra -Werror -pedantic -o "$tmp/a" "$tmp/t.c" && "$tmp/a"; then
      echo "ok: $cc -std=$std"
    else
      echo "FAIL: $cc -std=$std"; failed=$((failed + 1))
    fi
  done
done
[ "$failed" -eq 0 ]
