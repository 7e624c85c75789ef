#include "sysreg_file.h"

#include <algorithm>

#include "regcompat/runtime/register_naming.h"

namespace regvm::aarch64 {

std::string sysregName(SysregEncoding enc) {
  return "S" + std::to_string(enc >> 14 & 3) + "_" + std::to_string(enc >> 11 & 7) + "_C" +
         std::to_string(enc >> 7 & 15) + "_C" + std::to_string(enc >> 3 & 15) + "_" +
         std::to_string(enc & 7);
}

SysregFile::SysregFile(regcompat::runtime::LocalRegisterList list) : regs_(std::move(list)) {
  std::stable_sort(regs_.begin(), regs_.end(),
                   [](const auto &a, const auto &b) { return a.index < b.index; });
  // A duplicate index would make slotOf() ambiguous: keep the first.
  regs_.erase(std::unique(regs_.begin(), regs_.end(),
                          [](const auto &a, const auto &b) { return a.index == b.index; }),
              regs_.end());
}

std::optional<std::uint32_t> SysregFile::slotOf(SysregEncoding enc) const {
  std::uint64_t index = sysregIndex(enc);
  auto it = std::lower_bound(regs_.begin(), regs_.end(), index,
                             [](const auto &r, std::uint64_t i) { return r.index < i; });
  if (it == regs_.end() || it->index != index) return std::nullopt;
  return static_cast<std::uint32_t>(it - regs_.begin());
}

regcompat::runtime::Status
SysregFile::load(std::span<const regcompat::runtime::StreamRegister> merged) {
  std::vector<std::size_t> slots;
  slots.reserve(merged.size());
  std::string unknown;
  for (const auto &m : merged) {
    auto it = std::lower_bound(regs_.begin(), regs_.end(), m.index,
                               [](const auto &r, std::uint64_t i) { return r.index < i; });
    if (it == regs_.end() || it->index != m.index) {
      unknown += (unknown.empty() ? "" : ", ") + regcompat::runtime::describeRegister(m.index);
      continue;
    }
    slots.push_back(static_cast<std::size_t>(it - regs_.begin()));
  }
  if (!unknown.empty())
    return regcompat::fail("register list load: not in this CPU's register list: " + unknown);
  for (std::size_t i = 0; i < merged.size(); ++i)
    if (!regs_[slots[i]].is_constant) regs_[slots[i]].value = merged[i].value;
  return {};
}

} // namespace regvm::aarch64
