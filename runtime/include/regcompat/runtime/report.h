// Human-readable form of a MergeReport, for logs and release gates.
#pragma once

#include <string>

#include "regcompat/runtime/finding.h"
#include "regcompat/runtime/merge.h"

namespace regcompat::runtime {

// "error: 0x40200000200e0298 (p14,3,c0,c5,0,ns): in the stream but not here ..."
std::string renderFinding(const Finding &finding);

// "load would fail: 1 error(s), 2 note(s)" / "load would succeed: 0 error(s),
// 1 warning(s)". Errors are always counted; warnings and notes when present.
std::string renderSummary(const MergeReport &report);

// One line per finding, in report order, then the summary line; every line
// ends with '\n'.
std::string renderReport(const MergeReport &report);

} // namespace regcompat::runtime
