// An x86 vCPU's register list is a list of MSRs, named by regcompat register
// indexes (0x2030000200000000 | msr: regcompat/register_id.h, x86 family).
// Which MSRs: the host's KVM_GET_MSR_INDEX_LIST, restricted to the register
// set of the kernel release the VM emulates (from the database), minus the
// machine type's hidden registers; then minus what the vCPU refuses to read
// (KvmVcpu reports those, as QEMU's kvm_get_supported_msrs() learns them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "regcompat/runtime/register_naming.h"

namespace regvm::kvm {

constexpr std::uint64_t kMsrIndexBase = 0x2030000200000000ULL;

constexpr std::uint64_t msrRegisterIndex(std::uint32_t msr) { return kMsrIndexBase | msr; }
// The MSR number of an x86 MSR register index; nullopt for any other index.
std::optional<std::uint32_t> msrOfRegisterIndex(std::uint64_t index);

// host ∩ release_set − hidden, as sorted register indexes. `release_set` and
// `hidden` may hold indexes of other families; those are ignored.
std::vector<std::uint64_t> restrictMsrList(std::span<const std::uint32_t> host_msrs,
                                           std::span<const std::uint64_t> release_set,
                                           std::span<const std::uint64_t> hidden);

// All host MSRs as register indexes (no release restriction), sorted.
std::vector<std::uint64_t> msrRegisterIndexes(std::span<const std::uint32_t> msrs);

// "0x2030000200000082 (MSR 0xc0000082, MSR_LSTAR)": the runtime's naming,
// with the architectural MSRs regvm's own guests use named when `names` does
// not know them.
std::string describeMsr(std::uint64_t index, const regcompat::runtime::NameResolver &names = {});

}  // namespace regvm::kvm
