#include "regcompat/runtime/finding.h"

namespace regcompat::runtime {

std::string_view toString(Severity severity) {
  switch (severity) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "?";
}

std::string_view toString(FindingKind kind) {
  switch (kind) {
  case FindingKind::StreamTooLong: return "stream-too-long";
  case FindingKind::InvalidStreamIndex: return "invalid-stream-index";
  case FindingKind::DuplicateInStream: return "duplicate-in-stream";
  case FindingKind::InvalidLocalIndex: return "invalid-local-index";
  case FindingKind::DuplicateLocal: return "duplicate-local";
  case FindingKind::NotHere: return "not-here";
  case FindingKind::HiddenHere: return "hidden-here";
  case FindingKind::IgnoredSafeMissing: return "ignored-safe-missing";
  case FindingKind::MissingFromStream: return "missing-from-stream";
  case FindingKind::ConstantMismatch: return "constant-mismatch";
  case FindingKind::ToleratedMismatch: return "tolerated-mismatch";
  case FindingKind::PinMismatch: return "pin-mismatch";
  }
  return "?";
}

std::string_view toString(Side side) {
  switch (side) {
  case Side::NotApplicable: return "n/a";
  case Side::SourceOnly: return "source only";
  case Side::DestinationOnly: return "destination only";
  case Side::Both: return "both";
  }
  return "?";
}

} // namespace regcompat::runtime
