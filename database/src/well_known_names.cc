// Registers whose names are fixed by the kernel's ABI rather than by any
// register table: core registers (offsets into struct kvm_regs,
// arch/arm64/include/uapi/asm/kvm.h), firmware pseudo-registers
// (KVM_REG_ARM_PSCI_VERSION..., KVM_REG_ARM_*_BMAP) and the KVM timer ids.
#include <array>
#include <string>

#include "regcompat/register_id.h"

namespace regcompat {
namespace {

struct NamedIndex {
  std::uint64_t index;
  const char *name;
};

// Fixed entries. The timer ids are system-register ids whose CNT and CVAL
// encodings are swapped relative to the architecture (CNTVCT_EL0 is
// S3_3_C14_C0_2, CNTV_CVAL_EL0 is S3_3_C14_C3_2); the kernel keeps the swap
// as ABI, so the id ...df02 means CVAL.
constexpr std::array kFixedNames = {
    NamedIndex{0x6030000000140000ULL, "KVM_REG_ARM_PSCI_VERSION"},
    NamedIndex{0x6030000000140001ULL, "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1"},
    NamedIndex{0x6030000000140002ULL, "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2"},
    NamedIndex{0x6030000000140003ULL, "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3"},
    NamedIndex{0x6030000000160000ULL, "KVM_REG_ARM_STD_BMAP"},
    NamedIndex{0x6030000000160001ULL, "KVM_REG_ARM_STD_HYP_BMAP"},
    NamedIndex{0x6030000000160002ULL, "KVM_REG_ARM_VENDOR_HYP_BMAP"},
    NamedIndex{0x6030000000160003ULL, "KVM_REG_ARM_VENDOR_HYP_BMAP_2"},
    NamedIndex{0x603000000013df19ULL, "KVM_REG_ARM_TIMER_CTL"},
    NamedIndex{0x603000000013df1aULL, "KVM_REG_ARM_TIMER_CNT"},
    NamedIndex{0x603000000013df02ULL, "KVM_REG_ARM_TIMER_CVAL"},
    NamedIndex{0x606000000015ffffULL, "KVM_REG_ARM64_SVE_VLS"},
};

// struct kvm_regs layout in 32-bit words: regs[31], sp, pc, pstate (u64),
// sp_el1, elr_el1, spsr[5] (u64), then fp_regs: vregs[32] (u128, 16-byte
// aligned, so at word 84), fpsr, fpcr (u32).
constexpr unsigned kCoreSp = 62, kCorePc = 64, kCorePstate = 66, kCoreSpEl1 = 68,
                   kCoreElrEl1 = 70, kCoreSpsr = 72, kCoreVregs = 84, kCoreFpsr = 212,
                   kCoreFpcr = 213;
constexpr std::array kSpsrNames = {"SPSR_EL1", "SPSR_ABT", "SPSR_UND", "SPSR_IRQ", "SPSR_FIQ"};

std::optional<std::string> coreName(unsigned offset, unsigned size) {
  if (size == 64 && offset < kCoreSp && offset % 2 == 0) return "X" + std::to_string(offset / 2);
  if (size == 64) {
    switch (offset) {
    case kCoreSp: return "SP";
    case kCorePc: return "PC";
    case kCorePstate: return "PSTATE";
    case kCoreSpEl1: return "SP_EL1";
    case kCoreElrEl1: return "ELR_EL1";
    default: break;
    }
    if (offset >= kCoreSpsr && offset < kCoreSpsr + 10 && offset % 2 == 0)
      return kSpsrNames[(offset - kCoreSpsr) / 2];
  }
  if (size == 128 && offset >= kCoreVregs && offset < kCoreVregs + 128 && offset % 4 == 0)
    return "V" + std::to_string((offset - kCoreVregs) / 4);
  if (size == 32 && offset == kCoreFpsr) return "FPSR";
  if (size == 32 && offset == kCoreFpcr) return "FPCR";
  return std::nullopt;
}

} // namespace

std::optional<std::string> wellKnownName(RegisterId id) {
  for (const auto &n : kFixedNames)
    if (n.index == id.index()) return n.name;
  if (id.family() == Family::Arm64Core) {
    auto f = std::get<Arm64CoreFields>(id.fields());
    return coreName(f.offset, f.size_bits);
  }
  return std::nullopt;
}

std::optional<RegisterId> wellKnownByName(std::string_view name) {
  for (const auto &n : kFixedNames)
    if (name == n.name) return RegisterId::fromIndex(n.index).value();
  // Core registers: walk the (small) offset space rather than keep a second table.
  for (unsigned size : {32u, 64u, 128u})
    for (unsigned off = 0; off <= kCoreFpcr; ++off)
      if (auto n = coreName(off, size); n && *n == name)
        return RegisterId::encode(Arm64CoreFields{off, size}).value();
  return std::nullopt;
}

} // namespace regcompat
