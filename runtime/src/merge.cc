#include "regcompat/runtime/merge.h"

#include <algorithm>

#include "finding_builder.h"
#include "list_index.h"

namespace regcompat::runtime {
namespace {

using detail::FindingBuilder;
using detail::ListIndex;
using detail::RejectedEntry;

// The value this side writes for a register both sides have, and what the
// merge has to say about it.
struct ValueDecision {
  std::uint64_t value = 0;
  std::optional<Finding> finding;
};

ValueDecision decideValue(const LocalRegister &local, std::uint64_t incoming,
                          const CompatTable &table, const FindingBuilder &findings) {
  // A pinned register is presented at its pinned value whatever its local
  // default (visibleRegisters()), so it behaves as a constant of that value.
  if (const Pin *pin = table.pin(local.index)) {
    if (incoming == pin->value) return {pin->value, std::nullopt};
    return {pin->value, findings.pinMismatch(local.index, pin->value, incoming)};
  }
  // Writable registers take the incoming value, as QEMU's cpu_post_load()
  // copies cpreg_vmstate_values into cpreg_values.
  if (!local.is_constant || incoming == local.value) return {incoming, std::nullopt};
  // Under TCG QEMU writes the incoming value to a constant register and reads
  // it back; a mismatch fails the load (write_list_to_cpustate()).
  if (table.valueRule(local.index) != nullptr)  // a Tolerate rule: pins were handled above
    return {local.value, findings.toleratedMismatch(local.index, local.value, incoming)};
  return {local.value, findings.constantMismatch(local.index, local.value, incoming)};
}

Side sideOf(bool in_stream, bool here) {
  if (in_stream && here) return Side::Both;
  return in_stream ? Side::SourceOnly : Side::DestinationOnly;
}

void sortFindings(std::vector<Finding> &findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding &a, const Finding &b) {
    if (a.severity != b.severity) return a.severity < b.severity;
    return a.index < b.index;
  });
}

} // namespace

std::size_t MergeReport::count(Severity severity) const {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(), [&](const Finding &f) { return f.severity == severity; }));
}

namespace {

// `incoming_count`: the stream's count as declared, which may exceed
// incoming.size() only when it is over the bound (the entries were not read).
MergeReport mergeCounted(std::span<const LocalRegister> local, std::span<const StreamRegister> incoming,
                         std::size_t incoming_count, const CompatTable &table, const MergeOptions &options) {
  const FindingBuilder build(table, options.name_resolver);
  MergeReport report;
  auto add = [&](Finding f) { report.findings.push_back(std::move(f)); };

  const ListIndex here(local);
  // The local entries the merge writes: not hidden (never read or written on
  // this side), a valid index, and its first occurrence in the list.
  auto writable = [&](std::size_t i) {
    return !table.isHidden(local[i].index) && here.find(local[i].index) == i;
  };
  auto resetValue = [&](const LocalRegister &reg) {
    const Pin *pin = table.pin(reg.index);
    return pin ? pin->value : reg.value;
  };
  report.merged.reserve(local.size());

  // A sanity bound, not QEMU's cap at the local length (cpu_pre_load() sets
  // cpreg_vmstate_array_len to cpreg_array_len, and VMSTATE_VARRAY_INT32
  // refuses a longer incoming count): a longer list that is otherwise fine
  // must load. Over the bound the stream is not looked at, and every local
  // register keeps its reset value.
  const bool too_long = incoming_count > options.max_registers;
  if (too_long) {
    add(build.streamTooLong(incoming_count, options.max_registers));
    incoming = {};
  }
  const ListIndex stream(incoming);

  for (const RejectedEntry &r : here.rejected())
    add(r.first_position ? build.duplicateLocal(r, sideOf(stream.find(r.index).has_value(), true))
                         : build.invalidLocalIndex(r));
  for (const RejectedEntry &r : stream.rejected()) {
    const bool here_too = !table.isHidden(r.index) && here.find(r.index).has_value();
    add(r.first_position ? build.duplicateInStream(r, sideOf(true, here_too))
                         : build.invalidStreamIndex(r));
  }

  if (too_long) {
    for (std::size_t i = 0; i < local.size(); ++i)
      if (writable(i)) report.merged.push_back({local[i].index, resetValue(local[i])});
    sortFindings(report.findings);
    report.ok = false;
    return report;
  }

  // This side's registers, in the local order the VMM writes them back in.
  for (std::size_t i = 0; i < local.size(); ++i) {
    if (!writable(i)) continue;
    const LocalRegister &reg = local[i];
    if (auto at = stream.find(reg.index)) {
      ValueDecision d = decideValue(reg, incoming[*at].value, table, build);
      if (d.finding) add(std::move(*d.finding));
      report.merged.push_back({reg.index, d.value});
    } else {
      // QEMU 10.x leaves this slot uninitialized
      // (docs/qemu-cpreg-migration.md): the reset value is written explicitly
      // instead.
      add(build.missingFromStream(reg.index, resetValue(reg), options.strict));
      report.merged.push_back({reg.index, resetValue(reg)});
    }
  }

  // The stream's registers this side does not have, or hides.
  for (const detail::IndexedEntry &e : stream.accepted()) {
    const bool hidden = table.isHidden(e.index);
    if (!hidden && here.find(e.index)) continue;  // merged above
    const std::uint64_t value = incoming[e.position].value;
    if (table.isSafeMissing(e.index))
      add(build.ignoredSafeMissing(e.index, value, hidden));
    else
      add(hidden ? build.hiddenHere(e.index, value) : build.notHere(e.index, value));
  }

  sortFindings(report.findings);
  report.ok = report.count(Severity::Error) == 0;
  return report;
}

} // namespace

MergeReport merge(std::span<const LocalRegister> local, std::span<const StreamRegister> incoming,
                  const CompatTable &table, const MergeOptions &options) {
  return mergeCounted(local, incoming, incoming.size(), table, options);
}

MergeReport mergeOverlongStream(std::span<const LocalRegister> local, std::size_t incoming_count,
                                const CompatTable &table, const MergeOptions &options) {
  return mergeCounted(local, {}, incoming_count, table, options);
}

} // namespace regcompat::runtime
