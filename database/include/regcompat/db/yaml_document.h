// A YAML document as a plain tree with 1-based positions: the database's
// loaders read it, and so do the policy and pipeline loaders.
//
// yaml-cpp's own Node loses the position of map keys and of null values,
// merges duplicate keys and shares aliased nodes (an alias bomb would make a
// tree walk exponential). Building our own tree from yaml-cpp's event parser
// keeps every position, keeps duplicates so that they can be reported, and
// rejects aliases, explicit tags, complex keys and deep nesting outright: the
// database format needs none of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/diagnostic_sink.h"

namespace regcompat::db::yaml {

struct MapEntry;

struct Node {
  enum class Kind : std::uint8_t { Null, Scalar, Sequence, Map };

  Kind kind = Kind::Null;
  TextPosition position;
  std::string text;    // Scalar
  bool quoted = false; // Scalar written in quotes: always a string, never a number
  std::vector<Node> items;                     // Sequence
  std::vector<MapEntry> entries;  // Map, in file order, duplicates kept

  bool isNull() const { return kind == Kind::Null; }
};

// Declared apart from Node: a std::pair<Node, Node> member would need Node
// complete inside its own definition, which libc++/clang reject.
struct MapEntry {
  Node key;
  Node value;
};

// "null", "a string", "a list", "a map": for "expected X, found Y" messages.
std::string_view describe(const Node &node);

// The format nests at most four levels; anything deeper is not a database
// file, and refusing it bounds the parser's recursion.
inline constexpr std::size_t kMaxNesting = 32;

// Parses exactly one YAML document. An empty text is a null document. Syntax
// errors and the unsupported features above are reported to `out` (with
// their position) and give nullopt. Never throws.
std::optional<Node> parseDocument(std::string_view text, FileDiagnostics &out);

} // namespace regcompat::db::yaml
