// One thing the merge found about one register (or about the stream as a
// whole). A merge reports every finding at once, not only the first: QEMU's
// cpu_post_load() stops at the first unknown register with a bare -1, which
// is why each real breakage took a debugging session to name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regcompat::runtime {

enum class Severity : std::uint8_t {
  Error,    // the load fails (MergeReport::ok is false)
  Warning,  // the load succeeds, but the guest may see a difference
  Note,     // the load succeeds; recorded so that a report shows what happened
};

enum class FindingKind : std::uint8_t {
  // The stream as a whole.
  StreamTooLong,        // error: more entries than MergeOptions::max_registers
  InvalidStreamIndex,   // error: an entry's index is no register index (position)
  DuplicateInStream,    // error: an index appears twice in the stream (position)
  // The local list (a bug in the VMM, reported rather than trusted).
  InvalidLocalIndex,    // error (position in the local list)
  DuplicateLocal,       // error (position in the local list)
  // Source only.
  NotHere,              // error: in the stream, not here, not safe-missing
  HiddenHere,           // error: in the stream, hidden here, not safe-missing
  IgnoredSafeMissing,   // note: in the stream, not here or hidden, safe-missing
  // Destination only.
  MissingFromStream,    // note (error when MergeOptions::strict): keeps reset value
  // Both sides, values differ.
  ConstantMismatch,     // error: constant here, no value rule
  ToleratedMismatch,    // warning: constant here, Tolerate rule: local value kept
  PinMismatch,          // error: Pin rule, incoming value is not the pinned one
};

// Which side has the register: the source (the stream) only, the destination
// (this side, not hidden) only, or both. NotApplicable for findings about the
// stream as a whole.
enum class Side : std::uint8_t { NotApplicable, SourceOnly, DestinationOnly, Both };

struct Finding {
  Severity severity = Severity::Error;
  FindingKind kind = FindingKind::NotHere;
  std::uint64_t index = 0;  // the register; 0 for StreamTooLong
  Side side = Side::NotApplicable;
  std::optional<std::uint64_t> local_value{};     // this side's value, when relevant
  std::optional<std::uint64_t> incoming_value{};  // the stream's value, when relevant
  // Position (0-based) in the stream, or in the local list for
  // InvalidLocalIndex / DuplicateLocal; for duplicates, the later occurrence.
  std::optional<std::size_t> position{};
  // One line naming the register: hex index, decoded form, name when known.
  std::string message{};

  bool operator==(const Finding &) const = default;
};

// Stable spellings, also used by the C API and in reports:
// "error", "warning", "note"; "not-here", "pin-mismatch", ...;
// "source only", "destination only", "both", "n/a".
std::string_view toString(Severity severity);
std::string_view toString(FindingKind kind);
std::string_view toString(Side side);

} // namespace regcompat::runtime
