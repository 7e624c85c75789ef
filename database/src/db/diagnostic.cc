#include "regcompat/db/diagnostic.h"

#include "regcompat/db/diagnostic_sink.h"

namespace regcompat::db {

std::string Diagnostic::toString() const {
  std::string text = file;
  if (line != 0) {
    text += ':' + std::to_string(line);
    if (column != 0) text += ':' + std::to_string(column);
  }
  text += ": ";
  text += message;
  return text;
}

std::string formatDiagnostics(const std::vector<Diagnostic> &diagnostics) {
  std::string text;
  for (const Diagnostic &diagnostic : diagnostics) {
    text += diagnostic.toString();
    text += '\n';
  }
  return text;
}

void DiagnosticList::add(Diagnostic diagnostic) {
  if (full_) return;
  if (items_.size() < kMaxDiagnostics) {
    items_.push_back(std::move(diagnostic));
    return;
  }
  full_ = true;
  items_.push_back(Diagnostic{diagnostic.file, 0, 0,
                              "too many errors; stopped after " +
                                  std::to_string(kMaxDiagnostics)});
}

void FileDiagnostics::error(TextPosition at, std::string message) {
  ++errors_;
  list_.add(Diagnostic{file_, at.line, at.column, std::move(message)});
}

} // namespace regcompat::db
