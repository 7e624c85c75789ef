// Real inputs of the tests: QEMU and Linux source releases and real QEMU
// binaries (peers), fetched by scripts/fetch-real-inputs into the cache
// outside the repository. A test that needs one and does not find it fails;
// it skips only when that script recorded that Debian's archive could not be
// reached ("unreachable" in REGCOMPAT_CACHE/real-inputs.status), and then
// scripts/run-tests says so in its last lines.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace regcompat::testing {

// ${REGCOMPAT_CACHE:-$HOME/.cache/regcompat}
inline std::filesystem::path regcompatCache() {
  if (const char *c = std::getenv("REGCOMPAT_CACHE"); c != nullptr && *c != '\0') return c;
  const char *home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/") / ".cache/regcompat";
}

// A source release unpacked by release/fetch-sources ("qemu", "7.2").
inline std::filesystem::path cachedSource(const std::string &component, const std::string &version) {
  return regcompatCache() / "src" / (component + "-" + version);
}

// The launcher of a Debian suite's real qemu-system-aarch64
// (release/qemu-peers), or an empty path when it was not provisioned.
inline std::filesystem::path qemuPeer(const std::string &suite) {
  std::ifstream in(regcompatCache() / "peers" / suite / "peer.txt");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("launcher=", 0) == 0) return line.substr(9);
  return {};
}

// Whether scripts/fetch-real-inputs found Debian's archive unreachable.
inline bool archiveUnreachable() {
  std::ifstream in(regcompatCache() / "real-inputs.status");
  std::string word;
  return static_cast<bool>(in >> word) && word == "unreachable";
}

}  // namespace regcompat::testing

// Inside a TEST body: skip when the archive was unreachable, fail otherwise.
#define REGCOMPAT_REAL_INPUT_MISSING(what)                                                  \
  do {                                                                                      \
    if (::regcompat::testing::archiveUnreachable())                                         \
      GTEST_SKIP() << "Debian's archive was unreachable, so " << what << " is not cached";  \
    FAIL() << what << " is not in " << ::regcompat::testing::regcompatCache().string()      \
           << " (scripts/fetch-real-inputs fetches it)";                                    \
  } while (0)
