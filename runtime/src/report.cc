#include "regcompat/runtime/report.h"

namespace regcompat::runtime {

std::string renderFinding(const Finding &finding) {
  return std::string(toString(finding.severity)) + ": " + finding.message;
}

std::string renderSummary(const MergeReport &report) {
  std::string line = report.ok ? "load would succeed: " : "load would fail: ";
  line += std::to_string(report.count(Severity::Error)) + " error(s)";
  if (auto n = report.count(Severity::Warning)) line += ", " + std::to_string(n) + " warning(s)";
  if (auto n = report.count(Severity::Note)) line += ", " + std::to_string(n) + " note(s)";
  return line;
}

std::string renderReport(const MergeReport &report) {
  std::string text;
  for (const Finding &f : report.findings) text += renderFinding(f) + "\n";
  return text + renderSummary(report) + "\n";
}

} // namespace regcompat::runtime
