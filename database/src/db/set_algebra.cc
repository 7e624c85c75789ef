#include "regcompat/db/set_algebra.h"

#include <algorithm>

namespace regcompat::db {
namespace {

// The set's entries in index order. Sets keep that order themselves
// (RegisterSet::insert, the loader); a hand-built one may not.
std::vector<const RegisterEntry *> byIndex(const RegisterSet &set) {
  std::vector<const RegisterEntry *> entries;
  entries.reserve(set.registers.size());
  for (const RegisterEntry &entry : set.registers) entries.push_back(&entry);
  auto less = [](const RegisterEntry *a, const RegisterEntry *b) { return a->id < b->id; };
  if (!std::is_sorted(entries.begin(), entries.end(), less)) {
    std::stable_sort(entries.begin(), entries.end(), less);
  }
  return entries;
}

// Walks both sets in index order, calling only_a / only_b / both.
template <typename OnlyA, typename OnlyB, typename Both>
void merge(const RegisterSet &a, const RegisterSet &b, OnlyA only_a, OnlyB only_b, Both both) {
  std::vector<const RegisterEntry *> left = byIndex(a), right = byIndex(b);
  std::size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (j == right.size() || (i < left.size() && left[i]->id < right[j]->id)) {
      only_a(*left[i++]);
    } else if (i == left.size() || right[j]->id < left[i]->id) {
      only_b(*right[j++]);
    } else {
      both(*left[i++], *right[j++]);
    }
  }
}

std::vector<std::string> sortedFlags(const RegisterEntry &entry) {
  std::vector<std::string> flags = entry.flags;
  std::sort(flags.begin(), flags.end());
  return flags;
}

} // namespace

std::vector<RegisterEntry> difference(const RegisterSet &a, const RegisterSet &b) {
  std::vector<RegisterEntry> result;
  merge(a, b, [&](const RegisterEntry &entry) { result.push_back(entry); },
        [](const RegisterEntry &) {}, [](const RegisterEntry &, const RegisterEntry &) {});
  return result;
}

std::vector<RegisterEntry> intersection(const RegisterSet &a, const RegisterSet &b) {
  std::vector<RegisterEntry> result;
  merge(a, b, [](const RegisterEntry &) {}, [](const RegisterEntry &) {},
        [&](const RegisterEntry &entry, const RegisterEntry &) { result.push_back(entry); });
  return result;
}

std::vector<std::string_view> RegisterChange::changedFields() const {
  std::vector<std::string_view> fields;
  if (name_changed) fields.push_back("name");
  if (flags_changed) fields.push_back("flags");
  if (value_changed) fields.push_back("value");
  return fields;
}

SetDiff diff(const RegisterSet &from, const RegisterSet &to) {
  SetDiff result;
  merge(
      from, to, [&](const RegisterEntry &entry) { result.removed.push_back(entry); },
      [&](const RegisterEntry &entry) { result.added.push_back(entry); },
      [&](const RegisterEntry &before, const RegisterEntry &after) {
        RegisterChange change{before, after};
        change.name_changed =
            !before.name.empty() && !after.name.empty() && before.name != after.name;
        change.flags_changed = sortedFlags(before) != sortedFlags(after);
        change.value_changed = before.value != after.value;
        if (change.name_changed || change.flags_changed || change.value_changed) {
          result.changed.push_back(std::move(change));
        }
      });
  return result;
}

} // namespace regcompat::db
