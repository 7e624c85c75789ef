// QemuLoadModel: what a real QEMU release does when it loads an Arm CPU
// section (target/arm/machine.c cpu_post_load and the vmstate fields before
// it), so that regcompat can answer "would real QEMU R load this stream, and
// if not, which check fails on which registers". The rules are written down
// per loader generation in docs/qemu-cpreg-migration.md and every one is
// confirmed on Debian's real binaries by release/real-qemu-matrix.
//
// The model works on what travels: the incoming (index, value) list and the
// cpu subsections the source sent, against what the destination itself
// carries for the same machine type and CPU model (its own list, its reset
// values, which of its registers are constants, the subsections it sends).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::generator {

// How a release's loader behaves. Named after the first release known to
// behave so; each generation is confirmed on a real binary.
enum class QemuLoader {
  // 7.2 .. 10.2: the incoming count is capped at the destination's length;
  // the merge fails silently on an incoming register the destination lacks,
  // and ignores incoming registers sorting after the destination's last one.
  Capped,
  // 11.1 and later: no cap; tolerances (ToleranceNotOnBothEnds,
  // ToleranceOnlySrcTestValue); registers only in the stream are named and
  // fail, registers only on the destination are named and skipped.
  Tolerant,
};

// The loader generation of a QEMU release ("10.0.13" -> Capped). 11.0.x is
// refused: no binary of it was available to confirm its rules on.
Result<QemuLoader> qemuLoaderOf(std::string_view release);
std::string_view toString(QemuLoader loader);

enum class QemuToleranceKind { NotOnBothEnds, OnlySrcTestValue };

// arm_register_cpreg_mig_tolerance(cpu, index, mask, value, kind).
struct QemuTolerance {
  std::uint64_t index = 0;
  std::uint64_t mask = 0;
  std::uint64_t value = 0;
  QemuToleranceKind kind = QemuToleranceKind::NotOnBothEnds;
};

// The tolerances a QEMU release registers itself on a TCG CPU (its own C
// code, not regcompat's): 11.1 tolerates the bogus AArch32 DBGDTRTX on every
// v7+ CPU (target/arm/helper.c).
std::vector<QemuTolerance> builtinTcgTolerances(QemuLoader loader);

// The tolerances 11.1 registers itself for -cpu host under KVM
// (target/arm/cpu64.c): TCR2_EL1, PIRE0_EL1 and PIR_EL1 ToleranceNotOnBothEnds,
// KVM_REG_ARM_VENDOR_HYP_BMAP_2 ToleranceOnlySrcTestValue(UINT64_MAX, 0).
std::vector<QemuTolerance> builtinKvmHostTolerances(QemuLoader loader);

struct QemuRegisterValue {
  std::uint64_t index = 0;
  std::uint64_t value = 0;
};

// One register of the destination CPU: its reset value and whether a value
// written to it reads back as written (false for ARM_CP_CONST registers,
// whose raw write is ignored).
struct QemuDestRegister {
  std::uint64_t index = 0;
  std::uint64_t value = 0;
  bool constant = false;
};

struct QemuLoadInput {
  QemuLoader loader = QemuLoader::Capped;
  std::vector<QemuRegisterValue> incoming;      // stream order (sorted)
  std::vector<std::string> incoming_subsections;  // cpu/... the source sent
  std::vector<QemuDestRegister> destination;    // sorted by index
  // What the destination sends itself for this machine type and CPU model,
  // when known (from its own stream).
  std::optional<std::vector<std::string>> destination_subsections;
  std::vector<QemuTolerance> tolerances;        // registered on the dest CPU
};

// Which check of QEMU's loader refuses the stream.
enum class QemuLoadCheck {
  None,             // it loads
  LengthCap,        // Capped: count > destination length, before any merge
  UnknownRegister,  // an incoming register the destination does not have
  ReadBack,         // TCG: a written value does not read back (a constant)
  SubsectionAbort,  // the destination aborts on a cpu subsection (see below)
};
std::string_view toString(QemuLoadCheck check);

struct QemuLoadPrediction {
  bool loads = true;
  QemuLoadCheck failed = QemuLoadCheck::None;
  std::uint32_t incoming_count = 0, destination_count = 0;
  // Incoming registers the destination lacks that fail the load (in
  // Tolerant loaders: every one QEMU names with "fail migration", including
  // the ones the overwritten flag then lets through, see `flag_overwritten`).
  std::vector<std::uint64_t> unknown;
  // Incoming registers the destination lacks that a tolerance accepts.
  std::vector<std::uint64_t> tolerated;
  // Capped: incoming registers sorting after the destination's last one,
  // which QEMU ignores without a word.
  std::vector<std::uint64_t> ignored_tail;
  // Registers only the destination has: they keep their reset value. Tolerant
  // loaders warn about each one not covered by NotOnBothEnds (`warned`).
  std::vector<std::uint64_t> missing;
  std::vector<std::uint64_t> warned;
  // Constants whose incoming value differs from the destination's.
  std::vector<std::uint64_t> read_back;
  // The subsection the destination aborts on, if any.
  std::string abort_subsection;
  // Tolerant: the loop's failure flag is assigned, not OR-ed, per register
  // only in the stream: the last one decides. True when that lets a stream
  // with a named unknown register load.
  bool flag_overwritten = false;
  // The lines QEMU prints for this load that the prediction can word exactly
  // (error and warning lines of the cpu section), in order.
  std::vector<std::string> messages;
};

QemuLoadPrediction predictQemuLoad(const QemuLoadInput &input);

// QEMU's internal key of a register as its TCG messages print it
// ("system register 0x%x"): target/arm/kvm-consts.h kvm_to_cpreg_id().
std::uint32_t qemuCpregId(std::uint64_t kvm_index);

}  // namespace regcompat::generator
