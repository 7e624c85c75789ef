// Reader for QEMU migration streams ("QEVM" files, format version 3): lists
// the CPU system registers each Arm CPU section carries.
//
// The format, as QEMU 7.2..11.x writes it (migration/savevm.c,
// migration/vmstate.c, migration/ram.c, scripts/analyze-migration.py):
//
//   be32 0x5145564d "QEVM", be32 3
//   [0x07 configuration: be32 len, name[len], subsections]
//   records until 0x00 (QEMU_VM_EOF):
//     0x01 START / 0x04 FULL: be32 section_id, u8 len, idstr, be32 instance_id,
//                             be32 version_id, payload
//     0x02 PART  / 0x03 END : be32 section_id, payload
//     [0x7e footer: be32 section_id]
//     0x08 COMMAND: be16 command, be16 len, data[len] (precopy: SWITCHOVER_START
//                   from QEMU 10.0 under virt-10.0 and newer machine types)
//   0x06 QEMU_VM_VMDESCRIPTION: be32 len, JSON describing every FULL section
//
// Iterative sections ("ram") have their own payload format; every other
// device section is walked with the JSON description, field by field, with
// the byte size the sender recorded for each field, and subsections
// (0x05, u8 len, name, be32 version) in the order the description lists them.
// The Arm CPU section ("cpu", target/arm/machine.c vmstate_arm_cpu, version 22
// in 7.2..10.2) holds cpreg_vmstate_array_len (int32), cpreg_vmstate_indexes
// and cpreg_vmstate_values (uint64 arrays of that length, big-endian).
//
// Any input, however malformed, yields a value or an error naming the byte
// offset; the parser never throws, never reads out of bounds and always
// terminates (every loop consumes input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::probe {

struct StreamRegister {
  std::uint64_t index = 0;  // KVM_GET_REG_LIST format (docs/register-index.md)
  std::uint64_t value = 0;
  bool operator==(const StreamRegister &) const = default;
};

// One Arm CPU's register list, as the stream carries it.
struct StreamCpu {
  std::uint32_t instance_id = 0;     // QEMU's CPU index
  std::uint32_t section_version = 0; // vmstate_arm_cpu version (22 in 7.2..10.2)
  std::uint64_t list_offset = 0;     // byte offset of cpreg_vmstate_array_len
  std::vector<StreamRegister> registers;  // stream order
  // The cpu section's subsections, in stream order ("cpu/wfxt-timer", ...):
  // a destination aborts on some it cannot hold (docs/qemu-cpreg-migration.md).
  std::vector<std::string> subsections;
};

struct StreamSection {
  std::uint32_t section_id = 0;
  std::string name;  // idstr: "ram", "cpu", "timer", ...
  std::uint32_t instance_id = 0;
  std::uint32_t version_id = 0;
  std::uint64_t offset = 0;  // of the START/FULL record
};

struct MigrationStream {
  std::string machine_type;  // configuration section name ("virt-7.2")
  std::uint32_t page_size = 0;
  std::vector<std::string> capabilities;  // configuration/capabilities
  std::vector<StreamSection> sections;    // START and FULL records, in order
  std::vector<std::string> commands;      // QEMU_VM_COMMAND names, in order
  std::vector<StreamCpu> cpus;            // Arm CPU sections, in stream order
  std::uint64_t description_offset = 0;   // of the 0x06 record
};

// Parses a whole stream held in memory. Never throws (also a libFuzzer entry
// point: see tests/fuzz). Errors read "offset 0x1f4 (500): <what>".
Result<MigrationStream> parseMigrationStream(const std::uint8_t *data,
                                             std::size_t size) noexcept;

// Reads FILE and parses it; errors are prefixed with the file name.
// The largest stream file read (RAM included): 1 GiB.
inline constexpr std::uintmax_t kMaxStreamFileBytes = std::uintmax_t{1} << 30;
Result<MigrationStream> readMigrationStreamFile(const std::string &path) noexcept;

// Problems with a CPU's list that a well-formed QEMU stream never has:
// indexes out of order or repeated, indexes that are not valid register ids.
// Empty when the list is fine.
std::vector<std::string> checkRegisterList(const StreamCpu &cpu);

}  // namespace regcompat::probe
