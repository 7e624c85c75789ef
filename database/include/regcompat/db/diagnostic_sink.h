// Collecting diagnostics while loading a YAML file (database, policy, pipeline).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "regcompat/db/diagnostic.h"

namespace regcompat::db {

// A 1-based place in a file; {0, 0} means "the whole file".
struct TextPosition {
  unsigned line = 0;
  unsigned column = 0;
};

// Every diagnostic of one operation, capped at kMaxDiagnostics (the last one
// then says the list was cut).
class DiagnosticList {
 public:
  void add(Diagnostic diagnostic);
  bool full() const { return full_; }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::vector<Diagnostic> take() { return std::move(items_); }

 private:
  std::vector<Diagnostic> items_;
  bool full_ = false;
};

// The diagnostics of one file: binds the file name, counts its errors.
class FileDiagnostics {
 public:
  FileDiagnostics(DiagnosticList &list, std::string file)
      : list_(list), file_(std::move(file)) {}

  void error(TextPosition at, std::string message);
  void error(std::string message) { error(TextPosition{}, std::move(message)); }

  const std::string &file() const { return file_; }
  std::size_t errorCount() const { return errors_; }
  bool full() const { return list_.full(); }

 private:
  DiagnosticList &list_;
  std::string file_;
  std::size_t errors_ = 0;
};

} // namespace regcompat::db
