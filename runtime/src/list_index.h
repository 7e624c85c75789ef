// Internal: a register list sorted by index, with each entry's position in
// the caller's list, split into the entries a merge can use and the ones it
// must reject (invalid index, or an index already seen earlier in the list).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "regcompat/register_id.h"

namespace regcompat::runtime::detail {

struct IndexedEntry {
  std::uint64_t index = 0;
  std::size_t position = 0;
};

struct RejectedEntry {
  std::uint64_t index = 0;
  std::size_t position = 0;
  // Set for a duplicate: where the index first appeared.
  std::optional<std::size_t> first_position;
  // Set for an invalid index: RegisterId::fromIndex()'s explanation.
  std::string invalid_reason;
};

class ListIndex {
 public:
  // `List` is a span of LocalRegister or StreamRegister. O(n log n).
  template <typename Register>
  explicit ListIndex(std::span<const Register> list) {
    std::vector<IndexedEntry> all;
    all.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) all.push_back({list[i].index, i});
    std::stable_sort(all.begin(), all.end(),
                     [](const IndexedEntry &a, const IndexedEntry &b) { return a.index < b.index; });
    split(all);
  }

  // Sorted by index, one entry per valid index: its first occurrence.
  const std::vector<IndexedEntry> &accepted() const { return accepted_; }
  // Sorted by index, then position.
  const std::vector<RejectedEntry> &rejected() const { return rejected_; }

  // The position of the accepted entry for `index`. O(log n).
  std::optional<std::size_t> find(std::uint64_t index) const {
    auto it = std::lower_bound(accepted_.begin(), accepted_.end(), index,
                               [](const IndexedEntry &e, std::uint64_t i) { return e.index < i; });
    if (it == accepted_.end() || it->index != index) return std::nullopt;
    return it->position;
  }

 private:
  void split(const std::vector<IndexedEntry> &sorted) {
    for (std::size_t i = 0; i < sorted.size();) {
      std::size_t end = i;
      while (end < sorted.size() && sorted[end].index == sorted[i].index) ++end;
      auto id = RegisterId::fromIndex(sorted[i].index);
      if (!id) {
        for (std::size_t k = i; k < end; ++k)
          rejected_.push_back({sorted[k].index, sorted[k].position, std::nullopt, id.error()});
      } else {
        accepted_.push_back(sorted[i]);
        for (std::size_t k = i + 1; k < end; ++k)
          rejected_.push_back({sorted[k].index, sorted[k].position, sorted[i].position, {}});
      }
      i = end;
    }
  }

  std::vector<IndexedEntry> accepted_;
  std::vector<RejectedEntry> rejected_;
};

} // namespace regcompat::runtime::detail
