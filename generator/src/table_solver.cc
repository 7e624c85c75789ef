#include "regcompat/generator/table_solver.h"

#include <algorithm>
#include <map>
#include <set>

#include "identifiers.h"
#include "story.h"

namespace regcompat::generator {
namespace {

std::string annotationText(const RegisterAnnotation *a) {
  if (!a) return "";
  std::string out = " (policy line " + std::to_string(a->position.line);
  if (!a->note.empty()) out += ": " + a->note;
  return out + ")";
}

void sortEntries(std::vector<TableEntry> &list) {
  std::sort(list.begin(), list.end(), [](const TableEntry &a, const TableEntry &b) { return a.id < b.id; });
}

// Each group's pin candidate: the value of its first platform (oldest
// product, oldest kernel) that migrates the register.
std::map<std::string, std::uint64_t> baselineValues(const PlatformSet &set,
                                                    const MachineTypeGraph &graph, RegisterId id) {
  std::map<std::string, std::uint64_t> values;
  for (std::size_t p : graph.platforms) {
    const Platform &platform = set.platforms[p];
    if (values.count(platform.group())) continue;
    if (const auto *reg = platform.find(id.index())) values[platform.group()] = reg->value;
  }
  return values;
}

std::string valuesText(const std::map<std::string, std::uint64_t> &values) {
  std::string out;
  for (const auto &[group, value] : values) out += (out.empty() ? "" : ", ") + group + " " + hexValue(value);
  return out;
}

struct ValueDecision {
  bool refused = false;
  EntryKind kind = EntryKind::Tolerate;
  std::uint64_t value = 0;
  std::string why;  // the rule's half of the reason
};

ValueDecision decideValue(const PlatformSet &set, const MachineTypeGraph &graph, RegisterId id) {
  const RegisterAnnotation *a = set.annotation(id);
  const ValueMode mode = a && a->value ? *a->value : set.policy->values.mode;
  const std::string source = a && a->value ? "policy: value " + std::string(toString(mode)) +
                                                 annotationText(a)
                                           : "policy: values.default " + std::string(toString(mode));
  if (mode == ValueMode::Refuse) return {true, EntryKind::Tolerate, 0, "value changes refused (" + source + ")"};
  if (mode == ValueMode::Tolerate) return {false, EntryKind::Tolerate, 0, "tolerated (" + source + ")"};
  const auto values = baselineValues(set, graph, id);
  std::set<std::uint64_t> distinct;
  for (const auto &[group, value] : values) distinct.insert(value);
  if (distinct.size() == 1) {
    return {false, EntryKind::Pin, *distinct.begin(),
            "pinned to the baseline value " + hexValue(*distinct.begin()) + " (" + source + ")"};
  }
  const std::string conflict = "one table cannot pin it: CPU models start from different values (" +
                               valuesText(values) + ")";
  if (set.policy->values.on_conflict == ValueMode::Refuse)
    return {true, EntryKind::Tolerate, 0, conflict + "; values.on_conflict refuse"};
  return {false, EntryKind::Tolerate, 0, conflict + "; tolerated (values.on_conflict tolerate)"};
}

} // namespace

MachineTable solveOwnTable(const PlatformSet &set, const MachineTypeGraph &graph) {
  MachineTable table;
  table.machine_type = graph.name();

  std::set<std::uint64_t> in_baseline;  // registers some group's baseline platform migrates
  for (const std::string &g : graph.groups(set))
    for (const auto &reg : set.platforms[*graph.baseline(set, g)].registers) in_baseline.insert(reg.index);

  std::map<RegisterId, std::vector<std::size_t>> hide, safe, value;
  for (std::size_t e = 0; e < graph.edges.size(); ++e) {
    const Platform &s = set.platforms[graph.edges[e].source];
    const Platform &d = set.platforms[graph.edges[e].dest];
    for (const auto &reg : s.registers) {
      if (d.find(reg.index)) continue;
      auto id = RegisterId::fromIndex(reg.index);
      if (!id) continue;  // the database validated every index
      const RegisterAnnotation *a = set.annotation(id.value());
      if (a && a->guest_state) {
        table.blockers.push_back(
            {e, id.value(), set.displayName(id.value()), runtime::Side::SourceOnly,
             "guest state" + annotationText(a) + ": " + presenceStory(set, graph, id.value()) +
                 "; the destination cannot hold it, and hiding or dropping it would lose guest "
                 "state"});
        continue;
      }
      const FixPreference fix = a ? a->fix : FixPreference::Auto;
      const bool hidden = fix == FixPreference::Hide ||
                          (fix == FixPreference::Auto && !in_baseline.count(reg.index));
      (hidden ? hide : safe)[id.value()].push_back(e);
    }
  }
  for (std::size_t e = 0; e < graph.edges.size(); ++e) {
    const Platform &s = set.platforms[graph.edges[e].source];
    const Platform &d = set.platforms[graph.edges[e].dest];
    for (const auto &reg : s.registers) {
      const runtime::LocalRegister *mine = d.find(reg.index);
      if (!mine || !mine->is_constant || mine->value == reg.value) continue;
      auto id = RegisterId::fromIndex(reg.index);
      if (!id || hide.count(id.value())) continue;
      value[id.value()].push_back(e);
    }
  }

  const std::string baseline = baselineText(set, graph);
  for (const auto &[id, edges] : hide) {
    const RegisterAnnotation *a = set.annotation(id);
    const std::string why = a && a->fix == FixPreference::Hide
                                ? "hidden (policy: fix hide" + annotationText(a).substr(1)
                                : "not in the " + baseline + "; hidden" + annotationText(a);
    const std::string rationale = why + " " + neededBy(set, graph, edges);
    table.hidden.push_back({id, EntryKind::Hidden, 0, set.displayName(id),
                            presenceStory(set, graph, id) + "; " + rationale, rationale,
                            graph.name(), edges});
  }
  for (const auto &[id, edges] : safe) {
    const RegisterAnnotation *a = set.annotation(id);
    const std::string why = a && a->fix == FixPreference::SafeMissing
                                ? "safe to miss (policy: fix safe-missing" + annotationText(a).substr(1)
                                : "in the " + baseline + "; safe to miss" + annotationText(a);
    const std::string rationale = why + " " + neededBy(set, graph, edges);
    table.safe_missing.push_back({id, EntryKind::SafeMissing, 0, set.displayName(id),
                                  presenceStory(set, graph, id) + "; " + rationale, rationale,
                                  graph.name(), edges});
  }
  for (const auto &[id, edges] : value) {
    const ValueDecision decision = decideValue(set, graph, id);
    const std::string story = "constant value changed: " + valueStory(set, graph, id);
    if (decision.refused) {
      for (std::size_t e : edges)
        table.blockers.push_back({e, id, set.displayName(id), runtime::Side::Both,
                                  story + "; " + decision.why});
      continue;
    }
    const std::string rationale = decision.why + " " + neededBy(set, graph, edges);
    table.values.push_back({id, decision.kind, decision.value, set.displayName(id),
                            story + "; " + rationale, rationale, graph.name(), edges});
  }
  sortEntries(table.hidden);
  sortEntries(table.safe_missing);
  sortEntries(table.values);
  std::sort(table.blockers.begin(), table.blockers.end(), [](const Blocker &a, const Blocker &b) {
    return std::pair(a.edge, a.id) < std::pair(b.edge, b.id);
  });
  return table;
}

MachineTable aggregateChain(const PlatformSet &set, const MachineTypeGraph &graph, MachineTable own,
                            const MachineTable *newer) {
  if (!newer) return own;
  for (const TableEntry &e : newer->hidden)
    if (!own.hiddenEntry(e.id)) own.hidden.push_back(e);
  sortEntries(own.hidden);
  // A hidden register is never saved or loaded: it takes no value rule.
  std::erase_if(own.values, [&](const TableEntry &e) { return own.hiddenEntry(e.id) != nullptr; });
  for (const TableEntry &e : newer->safe_missing)
    if (!own.safeMissingEntry(e.id)) own.safe_missing.push_back(e);
  for (const TableEntry &e : newer->values) {
    if (own.valueEntry(e.id) || own.hiddenEntry(e.id)) continue;  // own rules win
    TableEntry copy = e;
    copy.edges.clear();
    if (e.kind == EntryKind::Pin) {
      // Pins hold this machine type's own baseline value; where the policy
      // refuses that, the rule is left out (no own migration needs it).
      const ValueDecision d = decideValue(set, graph, e.id);
      if (d.refused) continue;
      copy.kind = d.kind;
      copy.value = d.value;
      copy.why = d.why;
      copy.reason = "constant value changed: " + valueStory(set, graph, e.id) + "; " + d.why;
    }
    own.values.push_back(std::move(copy));
  }
  sortEntries(own.safe_missing);
  sortEntries(own.values);
  return own;
}

std::vector<MachineTable> solveTables(const PlatformSet &set,
                                      const std::vector<MachineTypeGraph> &graphs) {
  std::vector<MachineTable> tables;
  for (const MachineTypeGraph &graph : graphs) {
    const MachineTable *newer = tables.empty() ? nullptr : &tables.back();
    tables.push_back(aggregateChain(set, graph, solveOwnTable(set, graph), newer));
  }
  return tables;
}

} // namespace regcompat::generator
