#include "regcompat/runtime/compat_table.h"

#include <algorithm>

#include "regcompat/register_id.h"
#include "regcompat/runtime/register_naming.h"

namespace regcompat::runtime {
namespace {

const char *ruleName(const ValueRule &rule) {
  return std::holds_alternative<Pin>(rule) ? "pin" : "tolerate";
}

bool ruleLess(const ValueRule &a, const ValueRule &b) { return ruleIndex(a) < ruleIndex(b); }

class TableErrors {
 public:
  explicit TableErrors(const std::string &machine_type)
      : prefix_(machine_type.empty() ? std::string("compat table: ")
                                     : "compat table of machine type " + machine_type + ": ") {}

  Status validIndex(std::uint64_t index, const char *what) const {
    auto id = RegisterId::fromIndex(index);
    if (id) return Status::success();
    return fail(prefix_ + what + " entry: " + id.error());
  }
  Error duplicate(std::uint64_t index, const char *list) const {
    return fail(prefix_ + describeRegister(index) + " is listed twice in " + list);
  }
  Error twoRules(std::uint64_t index, const ValueRule &first, const ValueRule &second) const {
    return fail(prefix_ + describeRegister(index) + " has two value rules (" + ruleName(first) +
                " and " + ruleName(second) + "); a register has at most one");
  }
  Error ruleOnHidden(const ValueRule &rule) const {
    return fail(prefix_ + "cannot " + ruleName(rule) + " " + describeRegister(ruleIndex(rule)) +
                ": it is hidden (never saved or loaded on this side)");
  }

 private:
  std::string prefix_;
};

bool sortedContains(const std::vector<std::uint64_t> &v, std::uint64_t index) {
  return std::binary_search(v.begin(), v.end(), index);
}

// Sorts `list` and validates it; `what` names the list in messages.
Status sortUniqueValid(std::vector<std::uint64_t> &list, const TableErrors &errors,
                       const char *what) {
  std::sort(list.begin(), list.end());
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto s = errors.validIndex(list[i], what); !s) return s;
    if (i > 0 && list[i] == list[i - 1]) return errors.duplicate(list[i], what);
  }
  return Status::success();
}

} // namespace

std::uint64_t ruleIndex(const ValueRule &rule) {
  return std::visit([](const auto &r) { return r.index; }, rule);
}

CompatTable::CompatTable(std::string machine_type) : machine_type_(std::move(machine_type)) {}

Result<CompatTable> CompatTable::create(CompatTableSpec spec) {
  CompatTable table(std::move(spec.machine_type));
  const TableErrors errors(table.machine_type_);
  if (auto s = sortUniqueValid(spec.hidden, errors, "hidden"); !s) return Error{s.error()};
  if (auto s = sortUniqueValid(spec.safe_missing, errors, "safe-missing"); !s)
    return Error{s.error()};
  table.hidden_ = std::move(spec.hidden);
  table.safe_missing_ = std::move(spec.safe_missing);

  std::stable_sort(spec.value_rules.begin(), spec.value_rules.end(), ruleLess);
  for (std::size_t i = 0; i < spec.value_rules.size(); ++i) {
    const ValueRule &rule = spec.value_rules[i];
    const std::uint64_t index = ruleIndex(rule);
    if (auto s = errors.validIndex(index, ruleName(rule)); !s) return Error{s.error()};
    if (i > 0 && ruleIndex(spec.value_rules[i - 1]) == index)
      return errors.twoRules(index, spec.value_rules[i - 1], rule);
    if (sortedContains(table.hidden_, index)) return errors.ruleOnHidden(rule);
  }
  table.rules_ = std::move(spec.value_rules);
  return table;
}

Status CompatTable::checkHidden(std::uint64_t index) const {
  const TableErrors errors(machine_type_);
  if (auto s = errors.validIndex(index, "hidden"); !s) return s;
  if (isHidden(index)) return errors.duplicate(index, "hidden");
  if (const ValueRule *rule = valueRule(index)) return errors.ruleOnHidden(*rule);
  return Status::success();
}

Status CompatTable::checkSafeMissing(std::uint64_t index) const {
  const TableErrors errors(machine_type_);
  if (auto s = errors.validIndex(index, "safe-missing"); !s) return s;
  if (isSafeMissing(index)) return errors.duplicate(index, "safe-missing");
  return Status::success();
}

Status CompatTable::checkRule(const ValueRule &rule) const {
  const TableErrors errors(machine_type_);
  const std::uint64_t index = ruleIndex(rule);
  if (auto s = errors.validIndex(index, ruleName(rule)); !s) return s;
  if (const ValueRule *existing = valueRule(index)) return errors.twoRules(index, *existing, rule);
  if (isHidden(index)) return errors.ruleOnHidden(rule);
  return Status::success();
}

Status CompatTable::addHidden(std::uint64_t index) {
  if (auto s = checkHidden(index); !s) return s;
  hidden_.insert(std::lower_bound(hidden_.begin(), hidden_.end(), index), index);
  return Status::success();
}

Status CompatTable::addSafeMissing(std::uint64_t index) {
  if (auto s = checkSafeMissing(index); !s) return s;
  safe_missing_.insert(std::lower_bound(safe_missing_.begin(), safe_missing_.end(), index), index);
  return Status::success();
}

Status CompatTable::addRule(const ValueRule &rule) {
  if (auto s = checkRule(rule); !s) return s;
  rules_.insert(std::lower_bound(rules_.begin(), rules_.end(), rule, ruleLess), rule);
  return Status::success();
}

bool CompatTable::isHidden(std::uint64_t index) const { return sortedContains(hidden_, index); }

bool CompatTable::isSafeMissing(std::uint64_t index) const {
  return sortedContains(safe_missing_, index);
}

const ValueRule *CompatTable::valueRule(std::uint64_t index) const {
  auto it = std::lower_bound(rules_.begin(), rules_.end(), index,
                             [](const ValueRule &r, std::uint64_t i) { return ruleIndex(r) < i; });
  if (it == rules_.end() || ruleIndex(*it) != index) return nullptr;
  return &*it;
}

const Pin *CompatTable::pin(std::uint64_t index) const {
  const ValueRule *rule = valueRule(index);
  return rule ? std::get_if<Pin>(rule) : nullptr;
}

} // namespace regcompat::runtime
