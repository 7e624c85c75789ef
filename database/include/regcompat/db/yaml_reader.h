// Typed, schema-checked reading of a yaml::Node tree (database files, the
// release pipeline file).
//
// Every reader reports what is wrong at the node's position and returns
// nothing, so that the file readers can carry on and collect further errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/yaml_document.h"

namespace regcompat::db::yaml {

// One key a map of some kind may hold.
struct KeySpec {
  std::string_view name;
  bool required = false;
};

// The values of one map, checked against the keys its schema allows. The
// constructor reports: the node is not a map, unknown keys, duplicate keys,
// missing required keys.
class MapFields {
 public:
  MapFields(const Node &node, std::string_view what, std::span<const KeySpec> schema,
            FileDiagnostics &out);

  bool isMap() const { return is_map_; }
  const Node &node() const { return node_; }

  // The value of `key`, or nullptr when the key is absent.
  const Node *get(std::string_view key) const;
  // Like get(), but an explicit null ("key: ~", "key:") counts as absent:
  // for optional keys.
  const Node *present(std::string_view key) const;
  // Where `key` itself is written (its value's position when absent).
  TextPosition keyPosition(std::string_view key) const;

 private:
  struct Found {
    std::string_view key;
    const Node *key_node = nullptr;
    const Node *value = nullptr;
  };
  const Found *find(std::string_view key) const;

  const Node &node_;
  bool is_map_ = false;
  std::vector<Found> found_;
};

// A string: a plain or quoted scalar.
std::optional<std::string> readString(const Node &node, std::string_view what,
                                      FileDiagnostics &out);
// A string that `check` accepts (check returns the reason it does not).
using TextCheck = std::optional<std::string> (*)(std::string_view);
std::optional<std::string> readChecked(const Node &node, std::string_view what, TextCheck check,
                                       FileDiagnostics &out);
// A register index or value: a plain scalar 0x followed by 1 to 16 hex digits.
std::optional<std::uint64_t> readHex(const Node &node, std::string_view what,
                                     FileDiagnostics &out);
// A plain decimal number, or 0x hex.
std::optional<std::uint64_t> readUnsigned(const Node &node, std::string_view what,
                                          FileDiagnostics &out);
// A plain true or false.
std::optional<bool> readBool(const Node &node, std::string_view what, FileDiagnostics &out);
// A list; nullptr (reported) when the node is something else.
const std::vector<Node> *readList(const Node &node, std::string_view what,
                                  FileDiagnostics &out);

// schema_version must be present and equal kSchemaVersion.
void checkSchemaVersion(const MapFields &fields, FileDiagnostics &out);

// Text parsing shared with the readers above.
std::optional<std::uint64_t> parseHex(std::string_view text);      // "0x.."
std::optional<std::uint64_t> parseUnsigned(std::string_view text);  // decimal or "0x.."

} // namespace regcompat::db::yaml
