// The CPU's system-register file, built from the release's register list
// (runtime::visibleRegisters() of the database set, with the machine type's
// compat table applied: pinned values arrive as constants).
//
// MRS/MSR of a register in the list read and write its slot; a constant
// register reads its value and ignores writes (QEMU's ARM_CP_CONST). The
// decoder resolves each MRS/MSR to a slot once, so the hot path is an array
// access. Entries that are not AArch64 system registers (core, firmware,
// SVE ids in KVM-format lists) are carried as plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/status.h"

namespace regvm::aarch64 {

// op0<<14 | op1<<11 | CRn<<7 | CRm<<3 | op2: the low 16 bits of the KVM index.
using SysregEncoding = std::uint16_t;

inline constexpr std::uint64_t kSysregIndexBase = 0x6030000000130000ULL;

constexpr SysregEncoding sysregEncoding(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                                        unsigned op2) {
  return static_cast<SysregEncoding>(op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2);
}
constexpr std::uint64_t sysregIndex(SysregEncoding enc) { return kSysregIndexBase | enc; }

// "S3_0_C13_C0_4": the generic name the assembler accepts for any encoding.
std::string sysregName(SysregEncoding enc);

class SysregFile {
 public:
  explicit SysregFile(regcompat::runtime::LocalRegisterList list);

  // Slot of an AArch64 system register of the list, or nullopt (traps).
  std::optional<std::uint32_t> slotOf(SysregEncoding enc) const;

  std::uint64_t read(std::uint32_t slot) const { return regs_[slot].value; }
  void write(std::uint32_t slot, std::uint64_t value) {
    if (!regs_[slot].is_constant) regs_[slot].value = value;
  }
  bool isConstant(std::uint32_t slot) const { return regs_[slot].is_constant; }

  // The list with current values, sorted by index.
  const regcompat::runtime::LocalRegisterList &list() const { return regs_; }
  // Writes merged values; constants keep theirs (the pinned value wins).
  // Fails, changing nothing, on an index the list does not hold.
  regcompat::runtime::Status load(std::span<const regcompat::runtime::StreamRegister> merged);

 private:
  regcompat::runtime::LocalRegisterList regs_;  // sorted by index
};

} // namespace regvm::aarch64
