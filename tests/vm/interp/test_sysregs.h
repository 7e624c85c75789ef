// A hand-written register list for the interpreter's tests and runner,
// shaped like a release's Cortex-A57 set after a compat table (the real
// lists come from the generated headers): ID registers are constants with
// the values QEMU 7.2's cortex-a57 reports at EL1 (MIDR 0x411fd070;
// ID_AA64PFR0 0x22: EL2/EL3 absent; ID_PFR0 0x131, ID_AA64MMFR0 0x1124, the
// two long_compute checks), the rest are read/write.
#pragma once

#include "regcompat/runtime/register_list.h"
#include "sysreg_file.h"

namespace regvm::aarch64::testing {

inline constexpr SysregEncoding kMidrEl1 = sysregEncoding(3, 0, 0, 0, 0);
inline constexpr SysregEncoding kMpidrEl1 = sysregEncoding(3, 0, 0, 0, 5);
inline constexpr SysregEncoding kIdPfr0El1 = sysregEncoding(3, 0, 0, 1, 0);
inline constexpr SysregEncoding kIdAa64Pfr0El1 = sysregEncoding(3, 0, 0, 4, 0);
inline constexpr SysregEncoding kIdAa64Mmfr0El1 = sysregEncoding(3, 0, 0, 7, 0);
inline constexpr SysregEncoding kSctlrEl1 = sysregEncoding(3, 0, 1, 0, 0);
inline constexpr SysregEncoding kEsrEl1 = sysregEncoding(3, 0, 5, 2, 0);
inline constexpr SysregEncoding kFarEl1 = sysregEncoding(3, 0, 6, 0, 0);
inline constexpr SysregEncoding kVbarEl1 = sysregEncoding(3, 0, 12, 0, 0);
inline constexpr SysregEncoding kTpidrEl1 = sysregEncoding(3, 0, 13, 0, 4);
inline constexpr SysregEncoding kTpidrEl0 = sysregEncoding(3, 3, 13, 0, 2);
inline constexpr SysregEncoding kTpidrroEl0 = sysregEncoding(3, 3, 13, 0, 3);

inline regcompat::runtime::LocalRegisterList cortexA57RegisterList() {
  return {
      {sysregIndex(kMidrEl1), 0x411fd070, true},
      {sysregIndex(kMpidrEl1), 0x80000000, true},
      {sysregIndex(kIdPfr0El1), 0x131, true},
      {sysregIndex(kIdAa64Pfr0El1), 0x22, true},
      {sysregIndex(kIdAa64Mmfr0El1), 0x1124, true},
      {sysregIndex(kSctlrEl1), 0xc50838, false},
      {sysregIndex(kEsrEl1), 0, false},
      {sysregIndex(kFarEl1), 0, false},
      {sysregIndex(kVbarEl1), 0, false},
      {sysregIndex(kTpidrEl1), 0, false},
      {sysregIndex(kTpidrEl0), 0, false},
      {sysregIndex(kTpidrroEl0), 0, false},
      // A KVM-format core register and a firmware register: carried as
      // plain values (sysreg_file.h).
      {0x6030000000100000ULL, 0, false},
      {0x6030000000140000ULL, 0x10001, false},
  };
}

} // namespace regvm::aarch64::testing
