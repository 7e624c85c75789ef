// The canonical YAML text of the database files, and the YAML scalar forms
// the generator's reports share with them.
//
// The files are written by hand here rather than with yaml-cpp's emitter so
// that the canonical form is fixed by this code alone (key order, one flow map
// per register line, quoting) and stays byte-stable across yaml-cpp versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/hex_format.h"

namespace regcompat::db::yaml {

// A string as a YAML scalar: plain when that reads back as the same string
// in any YAML 1.1/1.2 reader (no indicators, does not start with a digit, is
// not a word like "true" or "null"), otherwise double-quoted with escapes.
std::string scalar(std::string_view text);
// Always double-quoted: quotes, backslash escapes, \xXX for other control
// characters and DEL.
std::string doubleQuoted(std::string_view text);

using regcompat::hexIndex;  // 0x%016x
using regcompat::hexValue;  // 0x%x

// "{key: value, key: value}" with values already rendered.
class FlowMap {
 public:
  FlowMap &add(std::string_view key, std::string rendered_value);
  std::string str() const;

 private:
  std::string text_;
};

// "[a, b]" with items already rendered.
std::string flowList(const std::vector<std::string> &rendered_items);

} // namespace regcompat::db::yaml
