#include "finding_builder.h"

namespace regcompat::runtime::detail {
namespace {

Finding make(Severity severity, FindingKind kind, std::uint64_t index, Side side,
             std::string message) {
  Finding f;
  f.severity = severity;
  f.kind = kind;
  f.index = index;
  f.side = side;
  f.message = std::move(message);
  return f;
}

std::string pos(std::size_t position) { return std::to_string(position); }

} // namespace

FindingBuilder::FindingBuilder(const CompatTable &table, const NameResolver &resolver)
    : resolver_(resolver),
      table_name_(table.machineType().empty() ? std::string("this side's compat table")
                                              : "machine type " + table.machineType()) {}

Finding FindingBuilder::streamTooLong(std::size_t count, std::size_t bound) const {
  return make(Severity::Error, FindingKind::StreamTooLong, 0, Side::NotApplicable,
              "the stream carries " + std::to_string(count) +
                  " registers, more than the sanity bound of " + std::to_string(bound) +
                  " (max_registers): refusing to merge it");
}

Finding FindingBuilder::invalidStreamIndex(const RejectedEntry &entry) const {
  Finding f = make(Severity::Error, FindingKind::InvalidStreamIndex, entry.index,
                   Side::SourceOnly,
                   "stream position " + pos(entry.position) + ": " + entry.invalid_reason);
  f.position = entry.position;
  return f;
}

Finding FindingBuilder::duplicateInStream(const RejectedEntry &entry, Side side) const {
  Finding f = make(Severity::Error, FindingKind::DuplicateInStream, entry.index, side,
                   reg(entry.index) + ": twice in the stream, at positions " +
                       pos(entry.first_position.value_or(0)) + " and " + pos(entry.position));
  f.position = entry.position;
  return f;
}

Finding FindingBuilder::invalidLocalIndex(const RejectedEntry &entry) const {
  Finding f = make(Severity::Error, FindingKind::InvalidLocalIndex, entry.index,
                   Side::DestinationOnly,
                   "local register list position " + pos(entry.position) + ": " +
                       entry.invalid_reason);
  f.position = entry.position;
  return f;
}

Finding FindingBuilder::duplicateLocal(const RejectedEntry &entry, Side side) const {
  Finding f = make(Severity::Error, FindingKind::DuplicateLocal, entry.index, side,
                   reg(entry.index) + ": twice in the local register list, at positions " +
                       pos(entry.first_position.value_or(0)) + " and " + pos(entry.position));
  f.position = entry.position;
  return f;
}

// QEMU: "register in their list but not ours: fail migration"
// (target/arm/machine.c, cpu_post_load()).
Finding FindingBuilder::notHere(std::uint64_t index, std::uint64_t incoming) const {
  Finding f = make(Severity::Error, FindingKind::NotHere, index, Side::SourceOnly,
                   reg(index) + ": in the stream but not here (source only), and not safe-missing in " +
                       table_name_);
  f.incoming_value = incoming;
  return f;
}

Finding FindingBuilder::hiddenHere(std::uint64_t index, std::uint64_t incoming) const {
  Finding f = make(Severity::Error, FindingKind::HiddenHere, index, Side::SourceOnly,
                   reg(index) + ": in the stream but hidden here by " + table_name_ +
                       " (source only), and not safe-missing");
  f.incoming_value = incoming;
  return f;
}

Finding FindingBuilder::ignoredSafeMissing(std::uint64_t index, std::uint64_t incoming,
                                           bool hidden) const {
  Finding f = make(Severity::Note, FindingKind::IgnoredSafeMissing, index, Side::SourceOnly,
                   reg(index) + (hidden ? ": in the stream but hidden here" : ": in the stream but not here") +
                       " (source only); safe-missing in " + table_name_ + ": incoming value " +
                       formatValue(incoming) + " ignored");
  f.incoming_value = incoming;
  return f;
}

// QEMU keeps whatever the slot holds, which in 10.x is uninitialized
// (docs/qemu-cpreg-migration.md); the reset value is kept here on purpose.
Finding FindingBuilder::missingFromStream(std::uint64_t index, std::uint64_t kept,
                                          bool strict) const {
  Finding f = make(strict ? Severity::Error : Severity::Note, FindingKind::MissingFromStream, index,
                   Side::DestinationOnly,
                   reg(index) + ": here but not in the stream (destination only): " +
                       (strict ? "strict mode requires every register to travel (reset value " +
                                     formatValue(kept) + ")"
                               : "keeps its reset value " + formatValue(kept)));
  f.local_value = kept;
  return f;
}

Finding FindingBuilder::constantMismatch(std::uint64_t index, std::uint64_t local,
                                         std::uint64_t incoming) const {
  Finding f = make(Severity::Error, FindingKind::ConstantMismatch, index, Side::Both,
                   reg(index) + ": constant " + formatValue(local) + " here, the stream carries " +
                       formatValue(incoming) + "; " + table_name_ +
                       " neither pins nor tolerates it");
  f.local_value = local;
  f.incoming_value = incoming;
  return f;
}

Finding FindingBuilder::toleratedMismatch(std::uint64_t index, std::uint64_t local,
                                          std::uint64_t incoming) const {
  Finding f = make(Severity::Warning, FindingKind::ToleratedMismatch, index, Side::Both,
                   reg(index) + ": constant " + formatValue(local) + " here, the stream carries " +
                       formatValue(incoming) + "; tolerated by " + table_name_ + ": keeping " +
                       formatValue(local));
  f.local_value = local;
  f.incoming_value = incoming;
  return f;
}

Finding FindingBuilder::pinMismatch(std::uint64_t index, std::uint64_t pinned,
                                    std::uint64_t incoming) const {
  Finding f = make(Severity::Error, FindingKind::PinMismatch, index, Side::Both,
                   reg(index) + ": pinned to " + formatValue(pinned) + " by " + table_name_ +
                       ", the stream carries " + formatValue(incoming));
  f.local_value = pinned;
  f.incoming_value = incoming;
  return f;
}

} // namespace regcompat::runtime::detail
