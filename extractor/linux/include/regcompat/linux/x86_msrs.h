// The x86 KVM MSR lists of a Linux release, read from arch/x86/kvm/x86.c the
// way the kernel builds them at module load (kvm_init_msr_lists(), called
// kvm_init_msr_list() up to 6.2):
//
//   KVM_GET_MSR_INDEX_LIST          msrs_to_save[] then emulated_msrs[]
//                                   (kvm_arch_dev_ioctl() copies both)
//     msrs_to_save                  msrs_to_save_base[] + msrs_to_save_pmu[]
//                                   (6.1: msrs_to_save_all[]), each entry
//                                   kept when the host can RDMSR it and the
//                                   filter switch (kvm_probe_msr_to_save();
//                                   6.1: inline in the loop) does not drop it
//     emulated_msrs                 emulated_msrs_all[] entries the vendor
//                                   module's has_emulated_msr() accepts
//   KVM_GET_MSR_FEATURE_INDEX_LIST  msr_based_features[]: the VMX range
//                                   KVM_FIRST_EMULATED_VMX_MSR..LAST
//                                   (MSR_IA32_VMX_BASIC..MSR_IA32_VMX_VMFUNC)
//                                   then msr_based_features_all_except_vmx[]
//                                   (6.1: msr_based_features_all[]), each
//                                   kept when kvm_get_feature_msr() succeeds
//
// Nothing of that is hard-coded: the extractor walks kvm_init_msr_lists()'s
// loops (over a const array, or over a constant range), follows the calls
// that receive the loop's MSR, and symbolically executes their statements
// for every MSR value: `if (C) return;` / `continue;` before the store into
// msrs_to_save / emulated_msrs / msr_based_features drops the MSR when C
// holds, a switch on the MSR runs from the matching case (fallthrough
// included), enclosing `if (enable_pmu)` guards the whole loop. The array
// entries and case labels are evaluated by clang with every macro from
// arch/x86/include/asm/msr-index.h expanded; names are the macros as spelled
// in x86.c. What the kernel tests becomes a HostCondition per MSR.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "regcompat/linux/host_condition.h"
#include "regcompat/linux/kernel_tree.h"
#include "regcompat/result.h"

namespace regcompat::kernel {

struct X86Msr {
  std::uint32_t index = 0;
  std::string name;     // "MSR_IA32_U_CET", "MSR_ARCH_PERFMON_PERFCTR2" (may be empty)
  std::string origin;   // the array or loop it came from: "msrs_to_save_base", "emulated_msrs_all", "MSR_IA32_VMX_BASIC..MSR_IA32_VMX_VMFUNC"
  std::string list;     // the kernel list it lands in: "msrs_to_save", "emulated_msrs", "msr_based_features"
  std::string where;    // "arch/x86/kvm/x86.c:339" (the array entry or the loop)
  HostCondition condition;  // when the kernel lists it
};

struct X86MsrExtraction {
  std::string release;
  std::vector<X86Msr> index_list;    // KVM_GET_MSR_INDEX_LIST candidates, kernel order
  std::vector<X86Msr> feature_list;  // KVM_GET_MSR_FEATURE_INDEX_LIST candidates, kernel order
  std::string init_function;         // "kvm_init_msr_lists" / "kvm_init_msr_list"
  std::vector<std::string> filter_functions;  // functions whose tests were followed
  // Statements or tests the analysis did not understand ("x86.c:7420: ..."):
  // their MSRs carry an "unknown:" atom.
  std::vector<std::string> unknown;
  std::vector<ParseReport> parses;

  // Candidates of one list whose condition holds on `host` (atoms it does not
  // answer count as `unknown_atoms`).
  std::vector<const X86Msr *> listFor(const std::vector<X86Msr> &list,
                                      const std::function<std::optional<bool>(const std::string &)> &host,
                                      bool unknown_atoms = true) const;
  // Every atom any condition mentions, sorted.
  std::set<std::string> atoms() const;
};

Result<X86MsrExtraction> extractX86Msrs(const KernelTree &tree);

// The x86 profiles the database keeps (x86RegisterSets(), linux_sets.h):
//   msrs        every KVM_GET_MSR_INDEX_LIST candidate (all conditions true:
//               a host that has every capability the kernel tests)
//   msrs-nopmu  the same with the kvm.enable_pmu=0 module parameter
//   features    every KVM_GET_MSR_FEATURE_INDEX_LIST candidate
struct X86Profile {
  std::string name;
  bool feature_list = false;            // which list
  std::set<std::string> false_atoms;    // atoms this profile sets false
};
const std::vector<X86Profile> &x86Profiles();

// A comparison of the source lists with a live KVM_GET_MSR_INDEX_LIST /
// KVM_GET_MSR_FEATURE_INDEX_LIST (probeKvmX86()): which MSRs only one side
// has, and for the source-only ones the condition that explains it.
struct X86ListDifference {
  std::uint32_t index = 0;
  std::string name;
  std::string condition;             // the source condition ("" when not in the source)
  std::optional<bool> holds_on_host; // the condition evaluated on the probed host
};
struct X86LiveComparison {
  std::string list;  // "index" or "features"
  std::size_t source_candidates = 0, live = 0, common = 0;
  std::vector<X86ListDifference> only_source;  // the host's kernel dropped (or lacks) them
  std::vector<X86ListDifference> only_live;    // the host's kernel lists, this source does not
};
// `host` answers atoms (e.g. hostFeatureAtom() over the probed host's CPUID);
// atoms it does not answer leave `holds_on_host` empty.
std::vector<X86LiveComparison> compareWithLive(const X86MsrExtraction &extraction,
                                               const std::set<std::uint32_t> &live_index,
                                               const std::set<std::uint32_t> &live_features,
                                               const std::function<std::optional<bool>(const std::string &)> &host);

// Answers an X86_FEATURE_<NAME> atom from a CPUID feature list: `present`
// holds the host's features, `covered` every feature the probe looked at
// (lower case, as probe::HostInfo::features: "shstk", "intel_pt", ...).
// nullopt for features outside `covered` and for every other atom.
std::optional<bool> hostFeatureAtom(const std::string &atom, const std::set<std::string> &present,
                                    const std::set<std::string> &covered);

}  // namespace regcompat::kernel
