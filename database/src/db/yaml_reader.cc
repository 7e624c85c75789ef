#include "regcompat/db/yaml_reader.h"

#include <charconv>

#include "regcompat/db/database.h"

namespace regcompat::db::yaml {
namespace {

std::string keyList(std::span<const KeySpec> schema) {
  std::string list;
  for (const KeySpec &spec : schema) {
    if (!list.empty()) list += ", ";
    list += spec.name;
  }
  return list;
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

bool isPlainScalar(const Node &node) {
  return node.kind == Node::Kind::Scalar && !node.quoted;
}

std::string expected(std::string_view what, std::string_view type, const Node &node) {
  return std::string(what) + ": expected " + std::string(type) + ", found " +
         std::string(describe(node));
}

} // namespace

MapFields::MapFields(const Node &node, std::string_view what,
                     std::span<const KeySpec> schema, FileDiagnostics &out)
    : node_(node) {
  if (node.kind != Node::Kind::Map) {
    out.error(node.position, expected(what, "a map", node));
    return;
  }
  is_map_ = true;
  for (const auto &[key, value] : node.entries) {
    const KeySpec *spec = nullptr;
    for (const KeySpec &candidate : schema) {
      if (key.kind == Node::Kind::Scalar && candidate.name == key.text) spec = &candidate;
    }
    if (spec == nullptr) {
      out.error(key.position, "unknown key " + quoted(key.text) + " in " +
                                  std::string(what) + " (expected one of: " +
                                  keyList(schema) + ")");
      continue;
    }
    if (const Found *first = find(spec->name)) {
      out.error(key.position, "duplicate key " + quoted(key.text) + " in " +
                                  std::string(what) + " (first given at line " +
                                  std::to_string(first->key_node->position.line) + ")");
      continue;
    }
    found_.push_back(Found{spec->name, &key, &value});
  }
  for (const KeySpec &spec : schema) {
    if (spec.required && find(spec.name) == nullptr) {
      out.error(node.position, std::string(what) + " lacks required key " + quoted(spec.name));
    }
  }
}

const MapFields::Found *MapFields::find(std::string_view key) const {
  for (const Found &found : found_) {
    if (found.key == key) return &found;
  }
  return nullptr;
}

const Node *MapFields::get(std::string_view key) const {
  const Found *found = find(key);
  return found == nullptr ? nullptr : found->value;
}

const Node *MapFields::present(std::string_view key) const {
  const Node *value = get(key);
  return value == nullptr || value->isNull() ? nullptr : value;
}

TextPosition MapFields::keyPosition(std::string_view key) const {
  const Found *found = find(key);
  return found == nullptr ? node_.position : found->key_node->position;
}

std::optional<std::uint64_t> parseHex(std::string_view text) {
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' || text[1] != 'x') {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char *begin = text.data() + 2;
  const char *end = text.data() + text.size();
  auto [stop, error] = std::from_chars(begin, end, value, 16);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  if (text.starts_with("0x")) return parseHex(text);
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (error != std::errc() || stop != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> readString(const Node &node, std::string_view what,
                                      FileDiagnostics &out) {
  if (node.kind != Node::Kind::Scalar) {
    out.error(node.position, expected(what, "a string", node));
    return std::nullopt;
  }
  return node.text;
}

std::optional<std::string> readChecked(const Node &node, std::string_view what, TextCheck check,
                                       FileDiagnostics &out) {
  std::optional<std::string> text = readString(node, what, out);
  if (!text) return std::nullopt;
  if (std::optional<std::string> problem = check(*text)) {
    out.error(node.position, *problem);
    return std::nullopt;
  }
  return text;
}

std::optional<std::uint64_t> readHex(const Node &node, std::string_view what,
                                     FileDiagnostics &out) {
  if (!isPlainScalar(node)) {
    out.error(node.position, expected(what, "a hex number (0x...)", node));
    return std::nullopt;
  }
  std::optional<std::uint64_t> value = parseHex(node.text);
  if (!value) {
    out.error(node.position, std::string(what) + ": " + quoted(node.text) +
                                 " is not a hex number (0x and 1 to 16 hex digits)");
  }
  return value;
}

std::optional<std::uint64_t> readUnsigned(const Node &node, std::string_view what,
                                          FileDiagnostics &out) {
  if (!isPlainScalar(node)) {
    out.error(node.position, expected(what, "a number", node));
    return std::nullopt;
  }
  std::optional<std::uint64_t> value = parseUnsigned(node.text);
  if (!value) {
    out.error(node.position, std::string(what) + ": " + quoted(node.text) +
                                 " is not a number (decimal, or 0x and hex digits)");
  }
  return value;
}

std::optional<bool> readBool(const Node &node, std::string_view what, FileDiagnostics &out) {
  if (isPlainScalar(node) && node.text == "true") return true;
  if (isPlainScalar(node) && node.text == "false") return false;
  if (isPlainScalar(node)) {
    out.error(node.position, std::string(what) + ": " + quoted(node.text) +
                                 " is not a boolean (true or false)");
  } else {
    out.error(node.position, expected(what, "true or false", node));
  }
  return std::nullopt;
}

const std::vector<Node> *readList(const Node &node, std::string_view what,
                                  FileDiagnostics &out) {
  if (node.kind != Node::Kind::Sequence) {
    out.error(node.position, expected(what, "a list", node));
    return nullptr;
  }
  return &node.items;
}

void checkSchemaVersion(const MapFields &fields, FileDiagnostics &out) {
  const Node *node = fields.get("schema_version");
  if (node == nullptr) return;  // reported as a missing required key
  std::optional<std::uint64_t> version = readUnsigned(*node, "schema_version", out);
  if (version && *version != static_cast<std::uint64_t>(kSchemaVersion)) {
    out.error(node->position, "unsupported schema_version " + std::to_string(*version) +
                                  " (this regcompat reads version " +
                                  std::to_string(kSchemaVersion) + ")");
  }
}

} // namespace regcompat::db::yaml
