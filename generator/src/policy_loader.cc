#include "regcompat/generator/policy_loader.h"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "identifiers.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/release.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/db/yaml_document.h"

namespace regcompat::generator {
namespace {

namespace yaml = db::yaml;
using yaml::Node;

struct KeySpec {
  std::string_view name;
  bool required = false;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(list_, std::move(file)) {}

  void error(db::TextPosition p, std::string message) { file_.error(p, std::move(message)); }
  db::FileDiagnostics &sink() { return file_; }
  bool failed() const { return file_.errorCount() > 0; }
  std::vector<db::Diagnostic> takeDiagnostics() { return list_.take(); }

  // The entries of a map checked against its schema; reports unknown,
  // duplicate and missing keys. Empty when `node` is not a map (reported).
  std::map<std::string, const Node *> fields(const Node &node, std::string_view what,
                                            std::initializer_list<KeySpec> schema) {
    std::map<std::string, const Node *> out;
    if (node.kind != Node::Kind::Map) {
      error(node.position, std::string(what) + ": expected a map, found " +
                               std::string(yaml::describe(node)));
      return out;
    }
    std::map<std::string, unsigned> first_line;
    for (std::size_t i = 0; i < node.entries.size(); ++i) {
      const Node &key = node.entries[i].key;
      const Node &value = node.entries[i].value;
      bool known = false;
      for (const KeySpec &spec : schema) known = known || spec.name == key.text;
      if (!known) {
        std::string list;
        for (const KeySpec &spec : schema) list += (list.empty() ? "" : ", ") + std::string(spec.name);
        error(key.position, "unknown key '" + key.text + "' in " + std::string(what) +
                                " (expected one of: " + list + ")");
        continue;
      }
      if (auto it = first_line.find(key.text); it != first_line.end()) {
        error(key.position, "duplicate key '" + key.text + "' in " + std::string(what) +
                                " (first given at line " + std::to_string(it->second) + ")");
        continue;
      }
      first_line[key.text] = key.position.line;
      out[key.text] = &value;
    }
    for (const KeySpec &spec : schema) {
      if (spec.required && !out.count(std::string(spec.name)))
        error(node.position, std::string(what) + " lacks required key '" + std::string(spec.name) + "'");
    }
    return out;
  }

  std::optional<std::string> string(const Node &node, std::string_view what) {
    if (node.kind != Node::Kind::Scalar) {
      error(node.position, std::string(what) + ": expected a string, found " +
                               std::string(yaml::describe(node)));
      return std::nullopt;
    }
    return node.text;
  }

  // A string that `check` accepts (nullopt from check = fine).
  template <typename Check>
  std::optional<std::string> checked(const Node &node, std::string_view what, Check check) {
    auto text = string(node, what);
    if (!text) return std::nullopt;
    if (auto why = check(*text)) {
      error(node.position, std::string(what) + " '" + *text + "': " + *why);
      return std::nullopt;
    }
    return text;
  }

  std::optional<bool> boolean(const Node &node, std::string_view what) {
    if (node.kind == Node::Kind::Scalar && !node.quoted) {
      if (node.text == "true") return true;
      if (node.text == "false") return false;
    }
    error(node.position, std::string(what) + ": expected true or false, found " +
                             (node.kind == Node::Kind::Scalar ? "'" + node.text + "'"
                                                              : std::string(yaml::describe(node))));
    return std::nullopt;
  }

  std::optional<unsigned> count(const Node &node, std::string_view what) {
    if (node.kind == Node::Kind::Scalar && !node.quoted && !node.text.empty()) {
      unsigned value = 0;
      const char *end = node.text.data() + node.text.size();
      auto [ptr, ec] = std::from_chars(node.text.data(), end, value);
      if (ec == std::errc() && ptr == end && value <= 1000000) return value;
    }
    error(node.position, std::string(what) + ": expected a non-negative whole number, found " +
                             (node.kind == Node::Kind::Scalar ? "'" + node.text + "'"
                                                              : std::string(yaml::describe(node))));
    return std::nullopt;
  }

  const std::vector<Node> *list(const Node &node, std::string_view what, bool non_empty) {
    if (node.kind != Node::Kind::Sequence) {
      error(node.position, std::string(what) + ": expected a list, found " +
                               std::string(yaml::describe(node)));
      return nullptr;
    }
    if (non_empty && node.items.empty()) {
      error(node.position, std::string(what) + ": the list is empty");
      return nullptr;
    }
    return &node.items;
  }

  template <typename Enum>
  std::optional<Enum> keyword(const Node &node, std::string_view what,
                              std::initializer_list<std::pair<std::string_view, Enum>> words) {
    if (node.kind == Node::Kind::Scalar) {
      for (const auto &[word, value] : words)
        if (word == node.text) return value;
    }
    std::string list;
    for (const auto &[word, value] : words) list += (list.empty() ? "" : ", ") + std::string(word);
    error(node.position, std::string(what) + ": expected one of " + list + ", found " +
                             (node.kind == Node::Kind::Scalar ? "'" + node.text + "'"
                                                              : std::string(yaml::describe(node))));
    return std::nullopt;
  }

 private:
  db::DiagnosticList list_;
  db::FileDiagnostics file_;
};

SourcePosition pos(const Node &node) { return {node.position.line, node.position.column}; }

std::optional<std::string> checkNonEmpty(std::string_view text) {
  if (text.empty()) return "must not be empty";
  return std::nullopt;
}

// Reports a name given twice in one list.
class UniqueNames {
 public:
  UniqueNames(Reader &reader, std::string what) : reader_(reader), what_(std::move(what)) {}
  bool add(const std::string &name, const Node &at) {
    auto [it, inserted] = lines_.emplace(name, at.position.line);
    if (!inserted)
      reader_.error(at.position, what_ + " '" + name + "' is given twice (first at line " +
                                     std::to_string(it->second) + ")");
    return inserted;
  }
  bool contains(const std::string &name) const { return lines_.count(name) != 0; }

 private:
  Reader &reader_;
  std::string what_;
  std::map<std::string, unsigned> lines_;
};

void readProducts(Reader &r, const Node &node, Policy &policy) {
  const auto *items = r.list(node, "products", true);
  if (!items) return;
  UniqueNames names(r, "product release");
  for (const Node &item : *items) {
    auto f = r.fields(item, "product", {{"release", true}, {"hypervisor", true},
                                        {"kernels", true}, {"stream", false}});
    Product p;
    p.position = pos(item);
    bool ok = !f.empty();
    if (auto it = f.find("release"); it != f.end()) {
      auto v = r.checked(*it->second, "product release", db::checkVersion);
      if (v && names.add(*v, *it->second)) p.release = *v; else ok = false;
    }
    if (auto it = f.find("hypervisor"); it != f.end()) {
      auto v = r.checked(*it->second, "hypervisor release", db::checkVersion);
      if (v) p.hypervisor = *v; else ok = false;
    }
    if (auto it = f.find("kernels"); it != f.end()) {
      if (const auto *kernels = r.list(*it->second, "kernels", true)) {
        UniqueNames seen(r, "kernel release");
        for (const Node &k : *kernels) {
          auto v = r.checked(k, "kernel release", db::checkVersion);
          if (v && seen.add(*v, k)) {
            p.kernels.push_back(*v);
            p.kernel_positions.push_back(pos(k));
          } else {
            ok = false;
          }
        }
      } else {
        ok = false;
      }
    }
    if (auto it = f.find("stream"); it != f.end()) {
      auto v = r.checked(*it->second, "stream", checkNonEmpty);
      if (v) p.stream = *v; else ok = false;
    }
    if (ok) policy.products.push_back(std::move(p));
  }
}

void readAccelerators(Reader &r, const Node &node, Policy &policy) {
  if (node.kind != Node::Kind::Map) {
    r.error(node.position, "accelerators: expected a map (tcg: {cpu_models: [...]}, kvm: ...), found " +
                               std::string(yaml::describe(node)));
    return;
  }
  if (node.entries.empty()) r.error(node.position, "accelerators: no accelerator is supported");
  UniqueNames names(r, "accelerator");
  for (std::size_t i = 0; i < node.entries.size(); ++i) {
    const Node &key = node.entries[i].key;
    const Node &value = node.entries[i].value;
    auto name = r.checked(key, "accelerator", db::checkAccelerator);
    if (!name || !names.add(*name, key)) continue;
    auto f = r.fields(value, "accelerator " + *name, {{"cpu_models", true}});
    AcceleratorSupport a;
    a.name = *name;
    a.position = pos(key);
    bool ok = !f.empty();
    if (auto it = f.find("cpu_models"); it != f.end()) {
      if (const auto *models = r.list(*it->second, "cpu_models", true)) {
        UniqueNames seen(r, "CPU model");
        for (const Node &m : *models) {
          auto v = r.checked(m, "CPU model", db::checkProfile);
          if (v && seen.add(*v, m)) {
            a.cpu_models.push_back(*v);
            a.model_positions.push_back(pos(m));
          } else {
            ok = false;
          }
        }
      } else {
        ok = false;
      }
    }
    if (ok) policy.accelerators.push_back(std::move(a));
  }
}

void readMachineTypes(Reader &r, const Node &node, Policy &policy) {
  const auto *items = r.list(node, "machine_types", true);
  if (!items) return;
  UniqueNames names(r, "machine type");
  std::map<std::string, std::string> identifiers;  // C identifier -> machine type
  for (const Node &item : *items) {
    auto f = r.fields(item, "machine type", {{"name", true}, {"introduced", false}});
    MachineTypeSpec m;
    m.position = pos(item);
    auto it = f.find("name");
    if (it == f.end()) continue;
    auto name = r.checked(*it->second, "machine type", db::checkMachineType);
    if (!name || !names.add(*name, *it->second)) continue;
    m.name = *name;
    const std::string ident = machineTypeIdentifier(m.name);
    if (auto [other, inserted] = identifiers.emplace(ident, m.name); !inserted) {
      r.error(it->second->position, "machine type '" + m.name + "' and '" + other->second +
                                        "' both become the identifier '" + ident +
                                        "' in generated code; rename one");
      continue;
    }
    if (auto in = f.find("introduced"); in != f.end()) {
      auto v = r.checked(*in->second, "introduced", db::checkVersion);
      if (!v) continue;
      m.introduced = *v;
    } else {
      m.introduced = impliedIntroduction(m.name);
      if (m.introduced.empty() || db::checkVersion(m.introduced)) {
        r.error(item.position, "machine type '" + m.name +
                                   "': give 'introduced' (the release that introduced it); "
                                   "it cannot be read from the name");
        continue;
      }
    }
    policy.machine_types.push_back(std::move(m));
  }
}

std::vector<std::string> nameList(Reader &r, const Node &node, std::string_view what) {
  std::vector<std::string> out;
  const auto *items = r.list(node, what, true);
  if (!items) return out;
  UniqueNames seen(r, std::string(what) + " entry");
  for (const Node &item : *items) {
    auto v = r.checked(item, what, checkNonEmpty);
    if (v && seen.add(*v, item)) out.push_back(*v);
  }
  return out;
}

void readMigrations(Reader &r, const Node &node, Policy &policy,
                    std::vector<const Node *> &rule_nodes) {
  const auto *items = r.list(node, "migrations", true);
  if (!items) return;
  UniqueNames names(r, "migration rule");
  std::size_t index = 0;
  for (const Node &item : *items) {
    ++index;
    auto f = r.fields(item, "migration rule",
                      {{"name", false}, {"direction", true}, {"within", false},
                       {"releases", false}, {"kernels", false}, {"accelerators", false},
                       {"machine_types", false}});
    if (f.empty()) continue;
    MigrationRule m;
    m.position = pos(item);
    bool ok = true;
    if (auto it = f.find("name"); it != f.end()) {
      auto v = r.checked(*it->second, "migration rule name", checkNonEmpty);
      if (v && names.add(*v, *it->second)) m.name = *v; else ok = false;
    } else {
      m.name = "migrations[" + std::to_string(index) + "]";
    }
    if (auto it = f.find("direction"); it != f.end()) {
      auto v = r.keyword<Direction>(*it->second, "direction",
                                    {{"forward", Direction::Forward},
                                     {"backward", Direction::Backward},
                                     {"both", Direction::Both}});
      if (v) m.direction = *v; else ok = false;
    }
    if (auto it = f.find("within"); it != f.end()) {
      auto v = r.keyword<bool>(*it->second, "within", {{"all", false}, {"stream", true}});
      if (v) m.within_stream = *v; else ok = false;
    }
    if (auto it = f.find("releases"); it != f.end()) {
      auto v = r.count(*it->second, "releases");
      if (v) m.max_releases = *v; else ok = false;
    }
    if (auto it = f.find("kernels"); it != f.end()) {
      auto k = r.fields(*it->second, "kernels", {{"min", false}, {"max", false}, {"change", false}});
      if (it->second->kind != Node::Kind::Map) ok = false;
      if (auto kt = k.find("min"); kt != k.end()) {
        auto v = r.checked(*kt->second, "kernels.min", db::checkVersion);
        if (v) m.kernel_min = *v; else ok = false;
      }
      if (auto kt = k.find("max"); kt != k.end()) {
        auto v = r.checked(*kt->second, "kernels.max", db::checkVersion);
        if (v) m.kernel_max = *v; else ok = false;
      }
      if (auto kt = k.find("change"); kt != k.end()) {
        auto v = r.keyword<KernelChange>(*kt->second, "kernels.change",
                                         {{"any", KernelChange::Any},
                                          {"same", KernelChange::Same},
                                          {"upgrade", KernelChange::Upgrade},
                                          {"downgrade", KernelChange::Downgrade}});
        if (v) m.kernel_change = *v; else ok = false;
      }
      if (m.kernel_min && m.kernel_max &&
          db::compareVersions(*m.kernel_min, *m.kernel_max) > 0) {
        r.error(it->second->position, "kernels: min " + *m.kernel_min + " is above max " +
                                          *m.kernel_max);
        ok = false;
      }
    }
    if (auto it = f.find("accelerators"); it != f.end()) m.accelerators = nameList(r, *it->second, "accelerators");
    if (auto it = f.find("machine_types"); it != f.end())
      m.machine_types = nameList(r, *it->second, "machine_types");
    if (ok) {
      policy.migrations.push_back(std::move(m));
      rule_nodes.push_back(&item);
    }
  }
}

void readValues(Reader &r, const Node &node, Policy &policy) {
  auto f = r.fields(node, "values", {{"default", false}, {"on_conflict", false}});
  if (auto it = f.find("default"); it != f.end()) {
    auto v = r.keyword<ValueMode>(*it->second, "values.default",
                                  {{"pin", ValueMode::Pin},
                                   {"tolerate", ValueMode::Tolerate},
                                   {"refuse", ValueMode::Refuse}});
    if (v) policy.values.mode = *v;
  }
  if (auto it = f.find("on_conflict"); it != f.end()) {
    auto v = r.keyword<ValueMode>(*it->second, "values.on_conflict",
                                  {{"tolerate", ValueMode::Tolerate},
                                   {"refuse", ValueMode::Refuse}});
    if (v) policy.values.on_conflict = *v;
  }
}

void readRegisters(Reader &r, const Node &node, Policy &policy) {
  const auto *items = r.list(node, "registers", false);
  if (!items) return;
  UniqueNames names(r, "register");
  for (const Node &item : *items) {
    auto f = r.fields(item, "register annotation",
                      {{"register", true}, {"guest_state", false}, {"value", false},
                       {"fix", false}, {"note", false}});
    auto it = f.find("register");
    if (it == f.end()) continue;
    RegisterAnnotation a;
    a.position = pos(*it->second);
    auto text = r.checked(*it->second, "register", checkNonEmpty);
    if (!text || !names.add(*text, *it->second)) continue;
    a.register_text = *text;
    bool ok = true;
    if (auto g = f.find("guest_state"); g != f.end()) {
      auto v = r.boolean(*g->second, "guest_state");
      if (v) a.guest_state = *v; else ok = false;
    }
    if (auto g = f.find("value"); g != f.end()) {
      auto v = r.keyword<ValueMode>(*g->second, "value",
                                    {{"pin", ValueMode::Pin},
                                     {"tolerate", ValueMode::Tolerate},
                                     {"refuse", ValueMode::Refuse}});
      if (v) a.value = *v; else ok = false;
    }
    if (auto g = f.find("fix"); g != f.end()) {
      auto v = r.keyword<FixPreference>(*g->second, "fix",
                                        {{"auto", FixPreference::Auto},
                                         {"hide", FixPreference::Hide},
                                         {"safe-missing", FixPreference::SafeMissing}});
      if (v) a.fix = *v; else ok = false;
      if (v && a.guest_state && *v != FixPreference::Auto) {
        r.error(g->second->position, "register " + a.register_text +
                                         ": a guest_state register is never hidden nor "
                                         "dropped, so it takes no 'fix'");
        ok = false;
      }
    }
    if (auto g = f.find("note"); g != f.end()) {
      auto v = r.string(*g->second, "note");
      if (v) a.note = *v; else ok = false;
    }
    if (ok) policy.registers.push_back(std::move(a));
  }
}

// Cross-references that need the whole file: accelerators and machine types
// a rule names, products running each machine type.
void checkReferences(Reader &r, const Policy &policy, const std::vector<const Node *> &rule_nodes) {
  std::set<std::string> accelerators, machine_types;
  for (const auto &a : policy.accelerators) accelerators.insert(a.name);
  for (const auto &m : policy.machine_types) machine_types.insert(m.name);
  for (std::size_t i = 0; i < policy.migrations.size(); ++i) {
    const MigrationRule &rule = policy.migrations[i];
    const Node &node = *rule_nodes[i];
    auto positionOf = [&](std::string_view key, const std::string &value) {
      for (std::size_t k = 0; k < node.entries.size(); ++k) {
        if (node.entries[k].key.text != key || node.entries[k].value.kind != Node::Kind::Sequence) continue;
        for (const Node &item : node.entries[k].value.items)
          if (item.text == value) return item.position;
      }
      return node.position;
    };
    for (const auto &a : rule.accelerators)
      if (!accelerators.count(a))
        r.error(positionOf("accelerators", a), "migration rule " + rule.name +
                                                   ": accelerator '" + a +
                                                   "' is not declared under 'accelerators'");
    for (const auto &m : rule.machine_types)
      if (!machine_types.count(m))
        r.error(positionOf("machine_types", m), "migration rule " + rule.name +
                                                    ": machine type '" + m +
                                                    "' is not declared under 'machine_types'");
  }
  for (const auto &m : policy.machine_types) {
    bool run = false;
    for (const auto &p : policy.products)
      run = run || db::compareVersions(p.release, m.introduced) >= 0;
    if (!run && !policy.products.empty())
      r.error({m.position.line, m.position.column},
              "machine type " + m.name + " (introduced in " + m.introduced +
                  ") is run by no product release: every product is older");
  }
}

} // namespace

std::string impliedIntroduction(std::string_view machine_type) {
  const auto dash = machine_type.rfind('-');
  if (dash == std::string_view::npos || dash + 1 >= machine_type.size()) return {};
  return std::string(machine_type.substr(dash + 1));
}

db::Outcome<Policy> loadPolicyFromString(std::string_view text, std::string_view virtual_path) {
  Reader r{std::string(virtual_path)};
  auto root = yaml::parseDocument(text, r.sink());
  if (!root) return db::Outcome<Policy>::failure(r.takeDiagnostics());

  Policy policy;
  policy.file = std::string(virtual_path);
  auto f = r.fields(*root, "policy",
                    {{"schema_version", true}, {"name", true}, {"description", false},
                     {"architecture", true}, {"products", true}, {"accelerators", true},
                     {"machine_types", true}, {"migrations", true}, {"values", false},
                     {"registers", false}});
  if (auto it = f.find("schema_version"); it != f.end()) {
    auto v = r.count(*it->second, "schema_version");
    if (v && *v != static_cast<unsigned>(kPolicySchemaVersion))
      r.error(it->second->position, "schema_version " + std::to_string(*v) +
                                        " is not supported (this regcompat reads version " +
                                        std::to_string(kPolicySchemaVersion) + ")");
  }
  if (auto it = f.find("name"); it != f.end()) {
    if (auto v = r.checked(*it->second, "name", checkNonEmpty)) policy.name = *v;
  }
  if (auto it = f.find("description"); it != f.end()) {
    if (auto v = r.string(*it->second, "description")) policy.description = *v;
  }
  if (auto it = f.find("architecture"); it != f.end()) {
    if (auto v = r.checked(*it->second, "architecture", db::checkArchitecture)) policy.architecture = *v;
  }
  if (auto it = f.find("products"); it != f.end()) readProducts(r, *it->second, policy);
  if (auto it = f.find("accelerators"); it != f.end()) readAccelerators(r, *it->second, policy);
  if (auto it = f.find("machine_types"); it != f.end()) readMachineTypes(r, *it->second, policy);
  std::vector<const Node *> rule_nodes;
  if (auto it = f.find("migrations"); it != f.end()) readMigrations(r, *it->second, policy, rule_nodes);
  if (auto it = f.find("values"); it != f.end()) readValues(r, *it->second, policy);
  if (auto it = f.find("registers"); it != f.end()) readRegisters(r, *it->second, policy);
  checkReferences(r, policy, rule_nodes);

  if (r.failed()) return db::Outcome<Policy>::failure(r.takeDiagnostics());
  return policy;
}

db::Outcome<Policy> loadPolicy(const std::filesystem::path &path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return db::Outcome<Policy>::failure(
        {db::Diagnostic{path.string(), 0, 0, "is a directory, not a policy file"}});
  }
  auto text = db::readInputFile(path);
  if (!text) {
    return db::Outcome<Policy>::failure(
        {db::Diagnostic{path.string(), 0, 0, "cannot read the policy file: " + db::withoutPath(text.error(), path)}});
  }
  return loadPolicyFromString(*text, path.string());
}

} // namespace regcompat::generator
