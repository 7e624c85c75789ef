// validate(), renderCompatFile() and saveCompatFile() for compat-table files.
#include <algorithm>
#include <map>
#include <set>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/db/yaml_writer.h"

namespace regcompat::db {
namespace {

std::string entryLine(const CompatEntry &entry) {
  yaml::FlowMap map;
  map.add("index", yaml::hexIndex(entry.id.index()));
  if (!entry.name.empty()) map.add("name", yaml::scalar(entry.name));
  map.add("reason", yaml::scalar(entry.reason));
  return map.str();
}

std::string ruleLine(const ValueRule &rule) {
  yaml::FlowMap map;
  map.add("index", yaml::hexIndex(rule.id.index()));
  if (!rule.name.empty()) map.add("name", yaml::scalar(rule.name));
  map.add("rule", std::string(toString(rule.rule)));
  if (rule.value) map.add("value", yaml::hexValue(*rule.value));
  map.add("reason", yaml::scalar(rule.reason));
  return map.str();
}

template <typename T, typename Render>
void listLines(std::string &text, std::string_view key, std::vector<T> items, Render render) {
  std::sort(items.begin(), items.end(), [](const T &a, const T &b) { return a.id < b.id; });
  text += key;
  if (items.empty()) {
    text += ": []\n";
    return;
  }
  text += ":\n";
  for (const T &item : items) text += "  - " + render(item) + "\n";
}

// The per-entry rules of the loader, without positions.
class CompatValidator {
 public:
  explicit CompatValidator(FileDiagnostics &out) : out_(out) {}

  template <typename T>
  void checkList(std::string_view list, const std::vector<T> &items) {
    std::set<RegisterId> seen;
    for (const T &item : items) {
      std::string prefix = std::string(list) + " " + item.id.hex() + ": ";
      if (Result<RegisterId> valid = RegisterId::fromIndex(item.id.index()); !valid) {
        out_.error(prefix + "not a valid register index: " + valid.error());
      }
      if (!seen.insert(item.id).second) out_.error(prefix + "appears twice");
      if (!item.name.empty()) {
        if (auto problem = checkRegisterName(item.name)) out_.error(prefix + *problem);
        auto [first, fresh] = names_.emplace(item.id, item.name);
        if (!fresh && first->second != item.name) {
          out_.error(prefix + "name " + item.name + " contradicts the name " + first->second);
        }
      }
      if (item.reason.empty()) out_.error(prefix + "reason is empty");
    }
  }

 private:
  FileDiagnostics &out_;
  std::map<RegisterId, std::string> names_;
};

} // namespace

std::vector<Diagnostic> validate(const CompatFile &compat, std::string_view file_name) {
  DiagnosticList list;
  FileDiagnostics out(list, std::string(file_name));
  if (auto problem = checkMachineType(compat.machine_type)) out.error(*problem);
  CompatValidator validator(out);
  validator.checkList("hidden", compat.hidden);
  validator.checkList("safe_missing", compat.safe_missing);
  validator.checkList("values", compat.values);
  std::set<RegisterId> hidden;
  for (const CompatEntry &entry : compat.hidden) hidden.insert(entry.id);
  for (const ValueRule &rule : compat.values) {
    std::string prefix = "values " + rule.id.hex() + ": ";
    if (rule.rule == ValueRule::Kind::Pin && !rule.value) {
      out.error(prefix + "a pin rule needs the value to pin");
    }
    if (rule.rule == ValueRule::Kind::Tolerate && rule.value) {
      out.error(prefix + "a tolerate rule takes no value");
    }
    if (rule.rule == ValueRule::Kind::Pin && hidden.count(rule.id) != 0) {
      out.error(prefix + "pin rule for a register this machine type hides");
    }
  }
  return list.take();
}

std::string renderCompatFile(const CompatFile &compat) {
  std::string text = "schema_version: 1\n";
  text += "machine_type: " + yaml::scalar(compat.machine_type) + "\n";
  listLines(text, "hidden", compat.hidden, entryLine);
  listLines(text, "safe_missing", compat.safe_missing, entryLine);
  listLines(text, "values", compat.values, ruleLine);
  return text;
}

Outcome<std::filesystem::path> saveCompatFile(const CompatFile &compat,
                                              const std::filesystem::path &path) {
  std::vector<Diagnostic> problems = validate(compat, path.string());
  if (!problems.empty()) return Outcome<std::filesystem::path>::failure(std::move(problems));
  if (Status written = writeFileAtomically(path, renderCompatFile(compat)); !written) {
    return Outcome<std::filesystem::path>::failure({Diagnostic{path.string(), 0, 0, written.error()}});
  }
  return path;
}

} // namespace regcompat::db
