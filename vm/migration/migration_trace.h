// REGVM_TRACE=migration: both sides print their progress on stderr (the
// source each pass and auto-converge sample, the destination where its time
// went), for tuning; query-migrate shows only the latest figures.
#pragma once

#include <cstdlib>
#include <cstring>

namespace regvm {

inline bool migrationTraceEnabled() {
  const char *trace = std::getenv("REGVM_TRACE");
  return trace != nullptr && std::strstr(trace, "migration") != nullptr;
}

} // namespace regvm
