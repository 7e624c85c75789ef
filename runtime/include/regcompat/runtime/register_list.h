// The two register lists a VMM hands to the runtime during live migration.
//
// Values are 64-bit: QEMU migrates its CPU register list as two uint64 arrays
// (cpreg_vmstate_indexes / cpreg_vmstate_values, target/arm/machine.c), and
// KVM_{GET,SET}_ONE_REG registers of other sizes (SVE Z/P, 128-bit core
// V registers) travel in other sections of the stream, not in this list.
#pragma once

#include <cstdint>
#include <vector>

namespace regcompat::runtime {

// One register of this side's CPU, as the VMM knows it.
struct LocalRegister {
  std::uint64_t index = 0;  // KVM_GET_REG_LIST format (regcompat::RegisterId)
  std::uint64_t value = 0;  // current value; on the load side, the reset value
  // Read-only with a fixed value on this side (QEMU's ARM_CP_CONST registers,
  // e.g. ID registers). Under TCG QEMU writes each incoming value and reads it
  // back (write_list_to_cpustate(), target/arm/helper.c), so an incoming value
  // that differs from the constant fails the load:
  // docs/qemu-cpreg-migration.md.
  bool is_constant = false;

  bool operator==(const LocalRegister &) const = default;
};

// One (index, value) pair as it travels on the migration stream.
struct StreamRegister {
  std::uint64_t index = 0;
  std::uint64_t value = 0;

  bool operator==(const StreamRegister &) const = default;
};

using LocalRegisterList = std::vector<LocalRegister>;
using StreamRegisterList = std::vector<StreamRegister>;

} // namespace regcompat::runtime
