#include "kvm_system.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>

#include "kvm_abi.h"

namespace regvm::kvm {
namespace {

struct RequiredCap {
  long cap;
  const char *name;
  const char *why;
};

// Everything the back end relies on, checked once at open so that a missing
// feature is one clear message instead of an odd failure mid-run.
constexpr RequiredCap kRequiredCaps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM is a user memory slot"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "the vCPU gets the host's supported CPUID"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "requestStop() kicks the vCPU out of KVM_RUN"},
    {KVM_CAP_XSAVE, "KVM_CAP_XSAVE", "FPU/SSE/AVX state is saved with KVM_GET_XSAVE"},
    {KVM_CAP_XCRS, "KVM_CAP_XCRS", "XCR0 is saved with KVM_GET_XCRS"},
    {KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS", "pending exceptions/NMIs are saved"},
    {KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS", "DR0-DR7 are saved"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "the halted/runnable state is saved"},
    {KVM_CAP_SYNC_MMU, "KVM_CAP_SYNC_MMU", "guest RAM is ordinary anonymous memory"},
};

}  // namespace

regcompat::Result<std::shared_ptr<KvmSystem>> KvmSystem::open(const std::string &device) {
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return regcompat::fail(syscallError(device) + " (is KVM enabled and accessible?)");
  const int api = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (api != KVM_API_VERSION)
    return regcompat::fail(device + ": KVM API version " + std::to_string(api) + ", regvm needs " +
                           std::to_string(KVM_API_VERSION));
  for (const RequiredCap &c : kRequiredCaps)
    if (::ioctl(fd.get(), KVM_CHECK_EXTENSION, c.cap) <= 0)
      return regcompat::fail(device + ": KVM lacks " + c.name + ", which regvm needs: " + c.why);
  const int mmap_size = ::ioctl(fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (mmap_size < static_cast<int>(sizeof(kvm_run)))
    return regcompat::fail(syscallError(device + ": KVM_GET_VCPU_MMAP_SIZE"));
  return std::shared_ptr<KvmSystem>(new KvmSystem(std::move(fd), device, static_cast<std::size_t>(mmap_size)));
}

int KvmSystem::checkExtension(long cap) const { return ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap); }

// Ask with a small buffer, learn the count from E2BIG, ask again
// (arch/x86/kvm/x86.c kvm_arch_dev_ioctl(), KVM_GET_MSR_INDEX_LIST).
regcompat::Result<std::vector<std::uint32_t>> KvmSystem::hostMsrIndexList() const {
  std::uint32_t room = 64;
  for (int attempt = 0; attempt < 4; ++attempt) {
    FlexArg<MsrListHead, std::uint32_t> arg(MsrListHead{room}, room);
    if (::ioctl(fd_.get(), kGetMsrIndexList, arg.data()) == 0) {
      const std::uint32_t n = std::min(arg.head().nmsrs, room);
      std::vector<std::uint32_t> out;
      for (std::uint32_t i = 0; i < n; ++i) out.push_back(arg.get(i));
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    }
    if (errno != E2BIG) return regcompat::fail(syscallError(device_ + ": KVM_GET_MSR_INDEX_LIST"));
    room = arg.head().nmsrs + 16;
  }
  return regcompat::fail(device_ + ": KVM_GET_MSR_INDEX_LIST keeps growing");
}

regcompat::Result<std::vector<kvm_cpuid_entry2>> KvmSystem::supportedCpuid() const {
  for (std::uint32_t room = 128; room <= 4096; room *= 2) {
    FlexArg<Cpuid2Head, kvm_cpuid_entry2> arg(Cpuid2Head{room, 0}, room);
    if (::ioctl(fd_.get(), kGetSupportedCpuid, arg.data()) == 0) {
      std::vector<kvm_cpuid_entry2> out;
      for (std::uint32_t i = 0; i < std::min(arg.head().nent, room); ++i) out.push_back(arg.get(i));
      return out;
    }
    if (errno != E2BIG) return regcompat::fail(syscallError(device_ + ": KVM_GET_SUPPORTED_CPUID"));
  }
  return regcompat::fail(device_ + ": KVM_GET_SUPPORTED_CPUID needs more than 4096 entries");
}

std::string kvmUnusableReason(const std::string &device) {
  auto sys = KvmSystem::open(device);
  return sys ? std::string() : sys.error();
}

}  // namespace regvm::kvm
