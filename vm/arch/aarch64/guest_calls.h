// Calls from the guest to the machine: Arm semihosting (HLT #0xF000) and
// PSCI over HVC (QEMU virt's conduit when EL2 is absent). Both are handlers
// of the decoded HLT/HVC instructions.
#pragma once

#include "exec_context.h"

namespace regvm::aarch64 {

// Semihosting operation numbers (Arm "Semihosting for AArch32 and AArch64",
// section 6) that regvm implements.
inline constexpr std::uint64_t kSysWritec = 0x03;
inline constexpr std::uint64_t kSysWrite0 = 0x04;
inline constexpr std::uint64_t kSysExit = 0x18;
inline constexpr std::uint64_t kSysExitExtended = 0x20;
inline constexpr std::uint64_t kAdpStoppedApplicationExit = 0x20026;

// W0 = operation, X1 = parameter (block address).
const Op *opSemihostingCall(ExecContext &c, const Op *op);

// PSCI function ids (Arm DEN0022, SMC32/SMC64 calling convention).
inline constexpr std::uint64_t kPsciVersion = 0x84000000;
inline constexpr std::uint64_t kPsciMigrateInfoType = 0x84000006;
inline constexpr std::uint64_t kPsciSystemOff = 0x84000008;
inline constexpr std::uint64_t kPsciSystemReset = 0x84000009;

// X0 = function id; result in X0.
const Op *opPsciCall(ExecContext &c, const Op *op);

} // namespace regvm::aarch64
