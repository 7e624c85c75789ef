// The load side of a live migration: merge the register list that arrived on
// the stream into this side's list, under this side's compat table.
//
// What QEMU does today (target/arm/machine.c, cpu_pre_load() and
// cpu_post_load(); docs/qemu-cpreg-migration.md), and what this merge does
// instead:
//   * QEMU caps the incoming count at its own list length ("Invalid value 292
//     expecting positive value <= 291"); here only a sanity bound applies.
//   * QEMU fails on the first register it does not have; here every such
//     register is reported, and a safe-missing one is ignored.
//   * QEMU 10.x leaves a register the stream lacks with an uninitialized value
//     slot; here it keeps its reset value, explicitly.
//   * Under TCG QEMU fails when a constant register's incoming value differs;
//     here a Pin or Tolerate rule can settle it, else the error names both
//     values.
//   * QEMU silently ignores source registers sorting after its last one; here
//     the stream's order does not matter.
// O(n log n) in the two list lengths.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/finding.h"
#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/register_naming.h"

namespace regcompat::runtime {

struct MergeOptions {
  // 65536 is two orders of magnitude above any real list
  // (docs/qemu-cpreg-migration.md: 250-360 registers per QEMU CPU model, a few
  // hundred to ~1000 from KVM) and small enough to refuse a corrupt count
  // before allocating for it.
  static constexpr std::size_t kDefaultMaxRegisters = 65536;

  // A register this side has and the stream lacks is an error instead of a
  // note (for paths where every register must travel, e.g. same release).
  bool strict = false;
  // More incoming entries than this is an error naming the count.
  std::size_t max_registers = kDefaultMaxRegisters;
  // Names registers in messages; regcompat::wellKnownName() is the fallback.
  NameResolver name_resolver{};
};

struct MergeReport {
  // No finding of Severity::Error.
  bool ok = true;
  // The registers this side must write, in the local list's order: every
  // local register that is not hidden, with its merged value (local entries
  // rejected as invalid or as a later duplicate are left out). A register the
  // stream lacks carries its reset value (or its pinned value). Filled even
  // when !ok, so a report can show it; a VMM must not load it then.
  StreamRegisterList merged{};
  // Every finding, errors first, then warnings, then notes; by index within
  // each severity.
  std::vector<Finding> findings{};

  std::size_t count(Severity severity) const;
};

// `local`: this side's registers with their reset values (hidden ones may be
// present or not; they are never touched). `incoming`: the stream's
// (index, value) pairs in any order.
MergeReport merge(std::span<const LocalRegister> local, std::span<const StreamRegister> incoming,
                  const CompatTable &table, const MergeOptions &options = {});

// What merge() reports for a stream of `incoming_count` entries when that is
// over options.max_registers, without the entries: a caller holding them in
// another form (the C API's two arrays) checks the count before copying.
MergeReport mergeOverlongStream(std::span<const LocalRegister> local, std::size_t incoming_count,
                                const CompatTable &table, const MergeOptions &options = {});

} // namespace regcompat::runtime
