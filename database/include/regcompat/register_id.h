// Register identity: one 64-bit index in the KVM_GET_REG_LIST format.
//
// This is the one key every part of regcompat uses for a register: the
// database stores it, the generator emits it, the runtime merges on it, and it
// is what QEMU puts on its migration stream for both TCG and KVM. Standard
// library only: runtime/ embeds this code, and runtime/ must stay
// dependency-free.
//
// Families (bit layouts from include/uapi/linux/kvm.h and
// arch/arm64/include/uapi/asm/kvm.h; see docs/register-index.md):
//   arm64  0x60..  CORE 0x0010, DEMUX 0x0011, SYSREG 0x0013, FW 0x0014,
//                  SVE 0x0015, FW_FEAT_BMAP 0x0016 in bits 27..16
//   arm32  0x40..  coprocessor number in bits 27..16, as QEMU's
//                  cpreg_to_kvm_id() writes it, with QEMU's own NS flag at
//                  bit 29 (target/arm/kvm-consts.h / cpregs.h)
//   x86    0x20..  KVM_REG_X86 | KVM_X86_REG_TYPE_MSR << 32 | KVM_REG_SIZE_U64
//                  | msr, the form the kernel's KVM_{GET,SET}_ONE_REG uses for
//                  MSRs (arch/x86/include/uapi/asm/kvm.h, Linux 6.18+). Older
//                  kernels have no index for MSRs; using the newer kernel's own
//                  form keeps one code path for both architectures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "regcompat/result.h"

namespace regcompat {

enum class Arch : std::uint8_t { Arm64, Arm32, X86 };

enum class Family : std::uint8_t {
  Arm64Core,
  Arm64Demux,
  Arm64Sysreg,
  Arm64Firmware,        // KVM_REG_ARM_FW: PSCI_VERSION, SMCCC workarounds
  Arm64FirmwareBitmap,  // KVM_REG_ARM_FW_FEAT_BMAP: hypercall bitmaps
  Arm64Sve,
  Arm32Cp32,
  Arm32Cp64,
  X86Msr,
};

// Field sets, one per family. Plain aggregates so that callers can build one
// with designated initializers and hand it to RegisterId::encode().
struct Arm64SysregFields {
  unsigned op0 = 0, op1 = 0, crn = 0, crm = 0, op2 = 0;
  bool operator==(const Arm64SysregFields &) const = default;
};
struct Arm64CoreFields {
  unsigned offset = 0;     // in 32-bit words into struct kvm_regs
  unsigned size_bits = 64; // 32, 64 or 128
  bool operator==(const Arm64CoreFields &) const = default;
};
struct Arm64DemuxFields {
  unsigned id = 0;    // KVM_REG_ARM_DEMUX_ID_*: 0 = CCSIDR
  unsigned value = 0; // CSSELR value for CCSIDR
  bool operator==(const Arm64DemuxFields &) const = default;
};
struct Arm64FirmwareFields {
  bool bitmap = false; // FW_FEAT_BMAP group instead of FW
  unsigned number = 0;
  bool operator==(const Arm64FirmwareFields &) const = default;
};
struct Arm64SveFields {
  enum class Kind : std::uint8_t { Z, P, Ffr, Vls };
  Kind kind = Kind::Z;
  unsigned n = 0;     // Z0..Z31 / P0..P15
  unsigned slice = 0; // 0..31
  bool operator==(const Arm64SveFields &) const = default;
};
struct Arm32CoprocFields {
  unsigned cp = 15;
  bool is64 = false;
  bool ns = false; // QEMU's non-secure bank flag (bit 29)
  unsigned opc1 = 0, crn = 0, crm = 0, opc2 = 0; // crn/opc2 are 0 when is64
  bool operator==(const Arm32CoprocFields &) const = default;
};
struct X86MsrFields {
  std::uint32_t msr = 0;
  bool operator==(const X86MsrFields &) const = default;
};

using RegisterFields =
    std::variant<Arm64SysregFields, Arm64CoreFields, Arm64DemuxFields,
                 Arm64FirmwareFields, Arm64SveFields, Arm32CoprocFields,
                 X86MsrFields>;

class RegisterId {
 public:
  constexpr RegisterId() = default;

  // Validates `index`; the error says which bits are wrong and why.
  static Result<RegisterId> fromIndex(std::uint64_t index);
  // Builds the index for a field set; the error names the out-of-range field.
  static Result<RegisterId> encode(const RegisterFields &fields);

  // Parses any text form of toText(), or a bare hex index (`0x...`).
  // Names are not resolved here (see RegisterCatalogue / wellKnownName()).
  static Result<RegisterId> parse(std::string_view text);

  constexpr std::uint64_t index() const { return index_; }
  Arch arch() const;
  Family family() const;
  unsigned sizeBits() const;
  RegisterFields fields() const;

  // "0x6030000000139828"
  std::string hex() const;
  // The family's readable form, parseable by parse():
  //   S2_3_C0_C5_0          arm64 system register (Arm's generic form)
  //   p14,3,c0,c5,0[,ns]    AArch32 32-bit coprocessor register
  //   p15,0,c2[,ns]         AArch32 64-bit coprocessor register
  //   core:0x54/128         arm64 core register, offset/size
  //   fw:1  fw-bmap:3       firmware pseudo-registers
  //   ccsidr:3  demux:ID:V  demultiplexed registers
  //   sve:z5.0 sve:p3.0 sve:ffr.0 sve:vls
  //   MSR 0x174
  std::string toText() const;

  auto operator<=>(const RegisterId &) const = default;

 private:
  constexpr explicit RegisterId(std::uint64_t index) : index_(index) {}
  std::uint64_t index_ = 0;
};

std::string_view toString(Arch arch);
std::string_view toString(Family family);

// Names the kernel fixes as ABI and that no register table defines: core
// registers (X0, PC, V31, FPSR...), firmware pseudo-registers
// (SMCCC_ARCH_WORKAROUND_1, VENDOR_HYP_BMAP_2...), the KVM timer registers
// (whose kernel ids for CNT and CVAL are swapped relative to the architecture:
// arch/arm64/include/uapi/asm/kvm.h) and the SVE registers. Declarative table.
std::optional<std::string> wellKnownName(RegisterId id);
std::optional<RegisterId> wellKnownByName(std::string_view name);

} // namespace regcompat
