// The key of one register set: which component release, architecture,
// accelerator and CPU model (or host feature profile) it describes.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "regcompat/result.h"

namespace regcompat::db {

struct SetKey {
  std::string component;    // "qemu", "linux"
  std::string release;      // "10.0.13"
  std::string arch;         // "arm64", "arm32", "x86_64"
  std::string accelerator;  // "tcg", "kvm"
  std::string profile;      // CPU model ("cortex-a57", "max") or host
                            // feature profile ("base", "pmu+sve")

  // "qemu/10.0.13/arm64/tcg/cortex-a57"
  std::string toString() const;

  // Parses the toString() form; every field must be present and valid.
  static Result<SetKey> parse(std::string_view text);

  // Parses a partial key for query(): leading fields, the rest left out
  // ("qemu/10.0.13"), and "*" or an empty field as a wildcard
  // ("linux/*/arm64/kvm"). Given fields must be valid.
  static Result<SetKey> parsePattern(std::string_view text);

  // Whether this key matches `pattern`, in which an empty field matches
  // anything.
  bool matches(const SetKey &pattern) const;

  bool operator==(const SetKey &) const = default;
};

// Component, release (compareVersions), arch, accelerator, profile: the order
// of sets in the database and in every file.
std::strong_ordering operator<=>(const SetKey &a, const SetKey &b);

} // namespace regcompat::db
