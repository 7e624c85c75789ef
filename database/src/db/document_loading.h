// Running a file reader on text, with every failure turned into diagnostics
// (internal; shared by the string and file loaders).
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/diagnostic.h"
#include "regcompat/db/yaml_document.h"

namespace regcompat::db {

// Parses `text` and runs `read(root, out)` (returning std::optional<T>). Any
// exception becomes a diagnostic: loaders never throw.
template <typename T, typename Reader>
Outcome<T> loadDocument(std::string_view text, std::string_view file_name, Reader read) {
  DiagnosticList list;
  FileDiagnostics out(list, std::string(file_name));
  std::optional<T> value;
  try {
    if (std::optional<yaml::Node> root = yaml::parseDocument(text, out)) value = read(*root, out);
  } catch (const std::exception &problem) {
    out.error(std::string("cannot load: ") + problem.what());
  } catch (...) {
    out.error("cannot load: unknown error");
  }
  if (!value && list.empty()) out.error("cannot load");
  if (!list.empty()) return Outcome<T>::failure(list.take());
  return std::move(*value);
}

} // namespace regcompat::db
