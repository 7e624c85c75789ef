// The arm64 KVM_GET_REG_LIST of a Linux release, assembled as the kernel
// does it (arch/arm64/kvm/guest.c kvm_arm_copy_reg_indices()):
//
//   core registers      guest.c core_reg_size_from_offset() switch: every
//                       valid 32-bit word offset into struct kvm_regs, sized
//                       (the 128-bit V registers are left out with SVE)
//   SVE registers       with SVE only: the uapi ids (VLS, Z0-31, P0-15, FFR,
//                       one slice: vcpu_sve_slices() is 1 for VL <= 2048)
//   firmware registers  hypercalls.c kvm_arm_fw_reg_ids[]
//   timer registers     guest.c is_timer_reg() cases (up to 6.x; from 7.0
//                       they are sys_reg_descs[] entries)
//   invariant registers sys_regs.c invariant_sys_regs[] (older kernels)
//   system registers    sys_regs.c sys_reg_descs[] walked as walk_sys_regs():
//                       an entry is listed when it has .reg or .get_user and
//                       its .visibility() does not return REG_HIDDEN; ids as
//                       copy_reg_to_user() writes them (it remaps the
//                       virtual timer's CNT/CVAL in 7.x)
//   demux CCSIDR        write_demux_regids(): depends on the host's CLIDR, so
//                       it is counted (CSSELR_MAX candidates) but not listed,
//                       as the kernel's selftest also filters it
//
// Every table is read from the kernel's own C through clang's AST with all
// macros expanded (SYS_DESC, DBG_BCR_BVR_WCR_WVR_EL1(n), PMU_PMEVCNTR_EL0(n),
// ...). A .visibility function becomes a predicate over VM features: the
// feature tests its body makes (vcpu_has_sve(), kvm_vcpu_has_pmu(),
// vcpu_has_ptrauth(), vcpu_has_nv(), kvm_has_tcr2(), kvm_has_feat(...)),
// following calls into other visibility functions; a function that never
// returns REG_HIDDEN (id_visibility, raz_visibility) lists its registers
// always; one whose tests are not understood is an unknown predicate and is
// reported.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "regcompat/linux/kernel_tree.h"
#include "regcompat/result.h"

namespace regcompat::kernel {

// When a register is listed, as a function of the VM's features.
struct Predicate {
  enum class Kind : std::uint8_t {
    Always,    // no visibility, or one that never hides
    Never,     // no .reg/.get_user, or a visibility that always hides
    Features,  // listed iff the VM has every feature in `features`
    Unknown,   // a visibility function this extractor does not understand
  };
  Kind kind = Kind::Always;
  std::set<std::string> features;  // "pmu", "sve", "pauth", "el2", "tcrx", ...
  std::string function;            // the visibility function, if any

  bool holds(const std::set<std::string> &vm_features) const;
  std::string toString() const;  // "always", "pmu", "el2+sve", "unknown:foo"
};

struct Arm64Register {
  std::uint64_t index = 0;
  std::string name;   // "MIDR_EL1", "DBGBVR3_EL1", "X0", ... (may be empty)
  std::string part;   // core, sve, firmware, timer, invariant, sysreg
  std::string where;  // "arch/arm64/kvm/sys_regs.c:1234"
  Predicate predicate;
};

struct VisibilityFunction {
  std::string name;
  std::string where;
  bool can_hide = false;          // some path returns REG_HIDDEN
  std::set<std::string> atoms;    // feature tests found in its body
  Predicate predicate;
};

struct Arm64Extraction {
  std::string release;
  std::vector<Arm64Register> registers;  // kernel order (core, sve, fw, timer, invariant, sysreg)
  std::vector<VisibilityFunction> visibility;  // every function used as .visibility
  std::vector<std::string> unknown_predicates; // visibility functions not understood
  unsigned sys_reg_descs = 0;   // entries in sys_reg_descs[]
  unsigned demux_candidates = 0;  // CSSELR_MAX: CCSIDR ids the host may list
  std::vector<ParseReport> parses;

  // The registers a vCPU with `features` lists, kernel order.
  std::vector<const Arm64Register *> listFor(const std::set<std::string> &features) const;
};

// The VM feature profiles the database keeps for arm64 KVM.
struct FeatureProfile {
  std::string name;  // "base", "pmu", "sve", "pauth", "el2", "tcrx+s1pie"
  std::set<std::string> features;
};
const std::vector<FeatureProfile> &arm64Profiles();

Result<Arm64Extraction> extractArm64(const KernelTree &tree);

// The kernel's own blessed lists: tools/testing/selftests/kvm/{aarch64,arm64}/
// get-reg-list.c, every `static __u64 NAME[]` array (base_regs, pmu_regs,
// vregs, sve_regs, pauth_addr_regs, el2_regs, ...), and the registers its
// feat_id_regs[] makes conditional on ID-register fields.
struct SelftestLists {
  std::string file;
  std::map<std::string, std::vector<std::uint64_t>> arrays;
  std::set<std::uint64_t> feature_conditional;
  std::vector<std::string> problems;  // array entries that did not evaluate
  ParseReport parse;
};
Result<SelftestLists> parseGetRegList(const KernelTree &tree);

// Which of an extraction's registers fall in each part of the comparison with
// the selftest's base list: "registers your extraction lists unconditionally
// must equal base_regs" (demux ids excluded on both sides).
struct BaseComparison {
  std::size_t extracted_always = 0;
  std::size_t selftest_base = 0;
  std::vector<std::uint64_t> only_extracted;  // listed always, not in base_regs
  std::vector<std::uint64_t> only_selftest;   // in base_regs, not listed always
  // base_regs entries the selftest itself treats as feature-conditional
  // (feat_id_regs) that the extraction lists conditionally: not a mismatch.
  std::vector<std::uint64_t> selftest_conditional;
  bool equal() const { return only_extracted.empty() && only_selftest.empty(); }
};
BaseComparison compareWithBase(const Arm64Extraction &extraction, const SelftestLists &selftest);

}  // namespace regcompat::kernel
