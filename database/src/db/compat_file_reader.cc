// Loading compat-table files (SCHEMA.md, "Compat-table files").
#include <algorithm>
#include <array>
#include <map>

#include "document_loading.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/db/yaml_reader.h"

namespace regcompat::db {
namespace {

using yaml::KeySpec;
using yaml::MapFields;
using yaml::Node;

constexpr std::array<KeySpec, 5> kFileKeys = {{
    {"schema_version", true}, {"machine_type", true}, {"hidden"}, {"safe_missing"}, {"values"}}};
constexpr std::array<KeySpec, 3> kEntryKeys = {{{"index", true}, {"name"}, {"reason", true}}};
constexpr std::array<KeySpec, 5> kRuleKeys = {{
    {"index", true}, {"name"}, {"rule", true}, {"value"}, {"reason", true}}};

class CompatFileReader {
 public:
  explicit CompatFileReader(FileDiagnostics &out) : out_(out) {}

  std::optional<CompatFile> read(const Node &root) {
    MapFields fields(root, "compat file", kFileKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    yaml::checkSchemaVersion(fields, out_);
    CompatFile compat;
    if (const Node *value = fields.get("machine_type")) {
      compat.machine_type =
          yaml::readChecked(*value, "machine_type", checkMachineType, out_).value_or("");
    }
    std::map<RegisterId, TextPosition> hidden_at;
    readList(fields, "hidden", [&](const Node &item) {
      if (auto entry = readEntry(item, "hidden", hidden_at)) compat.hidden.push_back(*entry);
    });
    std::map<RegisterId, TextPosition> safe_missing_at;
    readList(fields, "safe_missing", [&](const Node &item) {
      if (auto entry = readEntry(item, "safe_missing", safe_missing_at)) {
        compat.safe_missing.push_back(*entry);
      }
    });
    std::map<RegisterId, TextPosition> values_at;
    readList(fields, "values", [&](const Node &item) {
      if (auto rule = readRule(item, values_at, hidden_at)) compat.values.push_back(*rule);
    });
    if (out_.errorCount() != 0) return std::nullopt;
    auto byIndex = [](const auto &a, const auto &b) { return a.id < b.id; };
    std::sort(compat.hidden.begin(), compat.hidden.end(), byIndex);
    std::sort(compat.safe_missing.begin(), compat.safe_missing.end(), byIndex);
    std::sort(compat.values.begin(), compat.values.end(), byIndex);
    return compat;
  }

 private:
  template <typename Visit>
  void readList(const MapFields &fields, std::string_view key, Visit visit) {
    const Node *value = fields.present(key);
    if (value == nullptr) return;
    const auto *items = yaml::readList(*value, key, out_);
    if (items == nullptr) return;
    for (const Node &item : *items) {
      if (out_.full()) return;
      visit(item);
    }
  }

  // Index, optional name and reason, common to both entry kinds; records the
  // index in `seen` (one entry per index and list).
  bool readCommon(const MapFields &fields, std::string_view list,
                  std::map<RegisterId, TextPosition> &seen, RegisterId &id, std::string &name,
                  std::string &reason) {
    std::size_t errors = out_.errorCount();
    TextPosition index_at;
    if (const Node *value = fields.get("index")) {
      index_at = value->position;
      if (std::optional<std::uint64_t> raw = yaml::readHex(*value, "index", out_)) {
        Result<RegisterId> valid = RegisterId::fromIndex(*raw);
        if (valid) {
          id = *valid;
        } else {
          out_.error(value->position,
                     "index " + value->text + " is not a valid register index: " + valid.error());
        }
      }
    }
    if (const Node *value = fields.present("name")) {
      TextPosition name_at = value->position;
      name = yaml::readChecked(*value, "name", checkRegisterName, out_).value_or("");
      if (!name.empty() && out_.errorCount() == errors) checkNameAgrees(id, name, name_at);
    }
    if (const Node *value = fields.get("reason")) {
      std::optional<std::string> text = yaml::readString(*value, "reason", out_);
      if (text && text->empty()) {
        out_.error(value->position, "reason is empty: say why the rule exists");
      }
      reason = text.value_or("");
    }
    if (out_.errorCount() != errors) return false;
    auto [first, fresh] = seen.emplace(id, index_at);
    if (!fresh) {
      out_.error(index_at, "register " + id.hex() + " appears twice in " + std::string(list) +
                               " (first at line " + std::to_string(first->second.line) + ")");
      return false;
    }
    return true;
  }

  // One register, one name, wherever the file mentions it.
  void checkNameAgrees(RegisterId id, const std::string &name, TextPosition at) {
    auto [first, fresh] = names_.emplace(id, std::make_pair(name, at));
    if (!fresh && first->second.first != name) {
      out_.error(at, "name " + name + " for " + id.hex() + " contradicts the name " +
                         first->second.first + " given at line " +
                         std::to_string(first->second.second.line));
    }
  }

  std::optional<CompatEntry> readEntry(const Node &node, std::string_view list,
                                       std::map<RegisterId, TextPosition> &seen) {
    MapFields fields(node, std::string(list) + " entry", kEntryKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    CompatEntry entry;
    if (!readCommon(fields, list, seen, entry.id, entry.name, entry.reason)) return std::nullopt;
    return entry;
  }

  std::optional<ValueRule> readRule(const Node &node, std::map<RegisterId, TextPosition> &seen,
                                    const std::map<RegisterId, TextPosition> &hidden_at) {
    std::size_t errors = out_.errorCount();
    MapFields fields(node, "values entry", kRuleKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    ValueRule rule;
    bool common = readCommon(fields, "values", seen, rule.id, rule.name, rule.reason);
    std::optional<std::string> kind;
    TextPosition rule_at = fields.keyPosition("rule");
    if (const Node *value = fields.get("rule")) {
      rule_at = value->position;
      kind = yaml::readString(*value, "rule", out_);
      if (kind && *kind == "pin") {
        rule.rule = ValueRule::Kind::Pin;
      } else if (kind && *kind == "tolerate") {
        rule.rule = ValueRule::Kind::Tolerate;
      } else if (kind) {
        out_.error(value->position, "unknown rule '" + *kind + "' (expected pin or tolerate)");
        kind.reset();
      }
    }
    if (const Node *value = fields.present("value")) {
      rule.value = yaml::readHex(*value, "value", out_);
      if (kind && rule.rule == ValueRule::Kind::Tolerate) {
        out_.error(value->position, "a tolerate rule takes no value");
      }
    } else if (kind && rule.rule == ValueRule::Kind::Pin) {
      out_.error(fields.keyPosition("value"), "a pin rule needs the value to pin (value: 0x...)");
    }
    if (common && kind && rule.rule == ValueRule::Kind::Pin) {
      if (auto hidden = hidden_at.find(rule.id); hidden != hidden_at.end()) {
        out_.error(rule_at, "pin rule for " + rule.id.hex() + ", which this machine type hides (line " +
                       std::to_string(hidden->second.line) +
                       "): a hidden register is never restored, so its value cannot be pinned");
      }
    }
    if (out_.errorCount() != errors) return std::nullopt;
    return rule;
  }

  FileDiagnostics &out_;
  std::map<RegisterId, std::pair<std::string, TextPosition>> names_;
};

} // namespace

std::string_view toString(ValueRule::Kind kind) {
  return kind == ValueRule::Kind::Pin ? "pin" : "tolerate";
}

Outcome<CompatFile> loadCompatFileFromString(std::string_view text, std::string_view virtual_path) {
  return loadDocument<CompatFile>(text, virtual_path, [](const yaml::Node &root, FileDiagnostics &out) {
    return CompatFileReader(out).read(root);
  });
}

Outcome<CompatFile> loadCompatFile(const std::filesystem::path &path) {
  DiagnosticList list;
  FileDiagnostics out(list, path.string());
  std::optional<std::string> text;
  try {
    text = readFileText(path, out);
  } catch (const std::exception &problem) {
    out.error(std::string("cannot read: ") + problem.what());
  }
  if (!text) return Outcome<CompatFile>::failure(list.take());
  return loadCompatFileFromString(*text, path.string());
}

} // namespace regcompat::db
