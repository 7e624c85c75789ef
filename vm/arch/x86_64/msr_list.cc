#include "msr_list.h"

#include <algorithm>
#include <set>

#include "regcompat/register_id.h"

namespace regvm::kvm {
namespace {

struct MsrName {
  std::uint32_t msr;
  const char *name;
};

// Linux arch/x86/include/asm/msr-index.h names of the MSRs regvm's guests
// write (vm/guests/x86_64/long_compute.c) and of the time-keeping ones; the
// machine passes the database's catalogue for all others.
constexpr MsrName kMsrNames[] = {
    {0x10, "MSR_IA32_TSC"},
    {0x3b, "MSR_IA32_TSC_ADJUST"},
    {0x174, "MSR_IA32_SYSENTER_CS"},
    {0x175, "MSR_IA32_SYSENTER_ESP"},
    {0x176, "MSR_IA32_SYSENTER_EIP"},
    {0x277, "MSR_IA32_CR_PAT"},
    {0x6e0, "MSR_IA32_TSC_DEADLINE"},
    {0xc0000081, "MSR_STAR"},
    {0xc0000082, "MSR_LSTAR"},
    {0xc0000083, "MSR_CSTAR"},
    {0xc0000084, "MSR_SYSCALL_MASK"},
    {0xc0000102, "MSR_KERNEL_GS_BASE"},
    {0xc0000103, "MSR_TSC_AUX"},
};

}  // namespace

std::optional<std::uint32_t> msrOfRegisterIndex(std::uint64_t index) {
  auto id = regcompat::RegisterId::fromIndex(index);
  if (!id || id->family() != regcompat::Family::X86Msr) return std::nullopt;
  return static_cast<std::uint32_t>(index & 0xffffffffULL);
}

std::vector<std::uint64_t> msrRegisterIndexes(std::span<const std::uint32_t> msrs) {
  std::vector<std::uint64_t> out;
  for (std::uint32_t m : msrs) out.push_back(msrRegisterIndex(m));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::uint64_t> restrictMsrList(std::span<const std::uint32_t> host_msrs,
                                           std::span<const std::uint64_t> release_set,
                                           std::span<const std::uint64_t> hidden) {
  const std::set<std::uint64_t> release(release_set.begin(), release_set.end());
  const std::set<std::uint64_t> hide(hidden.begin(), hidden.end());
  std::vector<std::uint64_t> out;
  for (std::uint64_t index : msrRegisterIndexes(host_msrs))
    if (release.count(index) && !hide.count(index)) out.push_back(index);
  return out;
}

std::string describeMsr(std::uint64_t index, const regcompat::runtime::NameResolver &names) {
  return regcompat::runtime::describeRegister(index, [&names](std::uint64_t i) -> std::optional<std::string> {
    if (names)
      if (auto n = names(i)) return n;
    for (const MsrName &m : kMsrNames)
      if (msrRegisterIndex(m.msr) == i) return std::string(m.name);
    return std::nullopt;
  });
}

}  // namespace regvm::kvm
