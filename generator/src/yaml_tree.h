// A YAML document as a plain tree with 1-based positions (internal to the
// generator: the policy loader's input).
//
// Built from yaml-cpp's event parser rather than YAML::Node so that every key
// keeps its position, duplicate keys stay visible (and are reported), and
// aliases, tags and deep nesting are refused outright: a policy needs none of
// them, and an alias bomb must not make the loader hang.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/diagnostic.h"

namespace regcompat::generator::yaml {

struct Position {
  unsigned line = 0;    // 1-based; 0 = unknown
  unsigned column = 0;  // 1-based; 0 = unknown
};

struct Node {
  enum class Kind { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  Position position;
  std::string text;     // Scalar
  bool quoted = false;  // Scalar written in quotes
  std::vector<Node> items;  // Sequence
  // Map: keys[i] -> values[i], in file order, duplicates kept. (Two vectors
  // of Node rather than one of pairs: a pair of an incomplete type may not
  // be a vector's element.)
  std::vector<Node> keys;
  std::vector<Node> values;
};

// "a list", "a map", "a plain value", ...: for "expected X, found Y".
std::string_view describe(const Node &node);

// Parses exactly one document. Problems go to `diagnostics` (named `file`).
std::optional<Node> parseDocument(std::string_view text, const std::string &file,
                                  std::vector<db::Diagnostic> &diagnostics);

} // namespace regcompat::generator::yaml
