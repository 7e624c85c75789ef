// A machine type's compat table: what this side hides, what it accepts to
// miss, and which register values it pins or tolerates.
//
// The two index lists are the ones upstream's proposed mitigation sets per
// machine type as CPU properties (docs/upstream-mitigation.md):
//   hidden        x-mig-hidden-regs        never exposed, saved or restored here
//   safe_missing  x-mig-safe-missing-regs  may arrive without existing here
// The value rules are regcompat's answer to the third kind of real breakage,
// constant registers (ID registers) whose value changes between releases
// (docs/qemu-cpreg-migration.md, "Value check (TCG)").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "regcompat/result.h"
#include "regcompat/runtime/status.h"

namespace regcompat::runtime {

// This side presents `value` to the guest and on the stream, whatever its own
// default: the machine type freezes a constant register at the value an older
// release had. An incoming value must equal it.
struct Pin {
  std::uint64_t index = 0;
  std::uint64_t value = 0;
  bool operator==(const Pin &) const = default;
};

// An incoming value may differ from this side's constant: the local constant
// stays and the merge reports a warning naming both values.
struct Tolerate {
  std::uint64_t index = 0;
  bool operator==(const Tolerate &) const = default;
};

using ValueRule = std::variant<Pin, Tolerate>;

std::uint64_t ruleIndex(const ValueRule &rule);

// Everything a table is made of, in any order; CompatTable::create() sorts and
// validates it.
// Members have default initializers so that designated initializers may name
// only the lists they fill: {.machine_type = "virt-10.0", .hidden = {...}}.
struct CompatTableSpec {
  std::string machine_type{};
  std::vector<std::uint64_t> hidden{};
  std::vector<std::uint64_t> safe_missing{};
  std::vector<ValueRule> value_rules{};
};

class CompatTable {
 public:
  // An empty table: nothing hidden, nothing safe to miss, no value rules.
  // Merging under it reproduces what QEMU does without compat properties.
  explicit CompatTable(std::string machine_type = {});

  // Validates every entry (libabigail's lesson, docs/peer-tools.md: a bad
  // entry silently ignored is worse than none): each index must be a valid
  // register index, no index may appear twice in one list, a register has at
  // most one value rule, and a hidden register can be neither pinned nor
  // tolerated (it is never saved or loaded, so it has no value to check).
  // The error names the offending entry; nothing is thrown.
  static Result<CompatTable> create(CompatTableSpec spec);

  // Incremental forms of create() (used by the C API): each validates the one
  // entry against the table as it is and leaves the table unchanged on error.
  Status addHidden(std::uint64_t index);
  Status addSafeMissing(std::uint64_t index);
  Status addRule(const ValueRule &rule);

  const std::string &machineType() const { return machine_type_; }

  // Sorted, unique.
  std::span<const std::uint64_t> hidden() const { return hidden_; }
  std::span<const std::uint64_t> safeMissing() const { return safe_missing_; }
  // Sorted by index, one per index.
  std::span<const ValueRule> valueRules() const { return rules_; }

  // A VMM asks this before reading or writing a register: a hidden register
  // is never touched on this side. O(log n).
  bool isHidden(std::uint64_t index) const;
  bool isSafeMissing(std::uint64_t index) const;
  // The value rule for `index`, or nullptr. O(log n).
  const ValueRule *valueRule(std::uint64_t index) const;
  const Pin *pin(std::uint64_t index) const;

  bool operator==(const CompatTable &) const = default;

 private:
  Status checkHidden(std::uint64_t index) const;
  Status checkSafeMissing(std::uint64_t index) const;
  Status checkRule(const ValueRule &rule) const;

  std::string machine_type_;
  std::vector<std::uint64_t> hidden_;
  std::vector<std::uint64_t> safe_missing_;
  std::vector<ValueRule> rules_;
};

} // namespace regcompat::runtime
