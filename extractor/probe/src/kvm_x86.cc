// The x86 KVM probe (built on x86_64 hosts only); see kvm_probe.h.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "regcompat/kvm/abi.h"
#include "regcompat/kvm/unique_fd.h"
#include "regcompat/probe/kvm_probe.h"

namespace regcompat::probe {
namespace {

// KVM's flexible-array ioctls, numbered with the structures' C sizes
// (regcompat/kvm/abi.h says why), and the owned descriptor.
using kvm::Cpuid2Head;
using kvm::kGetMsrFeatureIndexList;
using kvm::kGetMsrIndexList;
using kvm::kGetMsrs;
using kvm::kGetSupportedCpuid;
using kvm::kSetCpuid2;
using kvm::MsrsHead;
using Fd = kvm::UniqueFd;
using kvm::syscallError;

// KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: ask with room for
// none, learn the count from E2BIG, ask again (arch/x86/kvm/x86.c
// kvm_arch_dev_ioctl()).
Result<std::vector<std::uint32_t>> msrList(int fd, unsigned long request, const char *name) {
  std::vector<std::uint32_t> buf(1 + 16, 0);  // kvm_msr_list: nmsrs, indices[]
  for (int attempt = 0; attempt < 4; ++attempt) {
    buf[0] = static_cast<std::uint32_t>(buf.size() - 1);
    if (::ioctl(fd, request, buf.data()) == 0) {
      const std::uint32_t n = std::min<std::uint32_t>(buf[0], static_cast<std::uint32_t>(buf.size() - 1));
      return std::vector<std::uint32_t>(buf.begin() + 1, buf.begin() + 1 + n);
    }
    if (errno != E2BIG) return fail(syscallError(name));
    buf.assign(1 + static_cast<std::size_t>(buf[0]) + 16, 0);
  }
  return fail(std::string(name) + ": list keeps growing");
}

// KVM_GET_MSRS for one MSR: the ioctl returns the number of entries it
// processed, 1 when the MSR was readable and 0 when KVM refused it.
Result<std::optional<std::uint64_t>> getOneMsr(int fd, std::uint32_t index) {
  alignas(8) unsigned char buf[sizeof(MsrsHead) + sizeof(kvm_msr_entry)] = {};
  MsrsHead head{};
  head.nmsrs = 1;
  kvm_msr_entry entry{};
  entry.index = index;
  std::memcpy(buf, &head, sizeof head);
  std::memcpy(buf + sizeof head, &entry, sizeof entry);
  const int r = ::ioctl(fd, kGetMsrs, buf);
  if (r < 0) return fail(syscallError("KVM_GET_MSRS"));
  if (r == 0) return std::optional<std::uint64_t>();
  std::memcpy(&entry, buf + sizeof head, sizeof entry);
  return std::optional<std::uint64_t>(entry.data);
}

// KVM_GET_SUPPORTED_CPUID into a kvm_cpuid2 buffer, then KVM_SET_CPUID2.
bool setSupportedCpuid(int kvm, int vcpu) {
  for (std::uint32_t nent = 128; nent <= 4096; nent *= 2) {
    const std::size_t bytes = sizeof(Cpuid2Head) + nent * sizeof(kvm_cpuid_entry2);
    std::vector<std::uint64_t> storage((bytes + 7) / 8, 0);
    Cpuid2Head head{};
    head.nent = nent;
    std::memcpy(storage.data(), &head, sizeof head);
    if (::ioctl(kvm, kGetSupportedCpuid, storage.data()) < 0) {
      if (errno == E2BIG) continue;
      return false;
    }
    return ::ioctl(vcpu, kSetCpuid2, storage.data()) == 0;
  }
  return false;
}

}  // namespace

Result<KvmX86Probe> probeKvmX86(const KvmX86Options &options) {
  KvmX86Probe out;
  out.host = readHostInfo();
  Fd kvm(::open(options.device.c_str(), O_RDWR | O_CLOEXEC));
  if (!kvm.valid()) return fail(syscallError(options.device.c_str()));
  out.api_version = ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
  if (out.api_version != KVM_API_VERSION)
    return fail(options.device + ": KVM API version " + std::to_string(out.api_version) + ", expected " +
                std::to_string(KVM_API_VERSION));

  std::map<std::uint32_t, KvmX86Msr> msrs;
  auto index_list = msrList(kvm.get(), kGetMsrIndexList, "KVM_GET_MSR_INDEX_LIST");
  if (!index_list) return fail(index_list.error());
  for (std::uint32_t index : *index_list) {
    msrs[index].index = index;
    msrs[index].in_index_list = true;
  }

  out.has_feature_msrs = ::ioctl(kvm.get(), KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES) > 0;
  if (out.has_feature_msrs) {
    auto features = msrList(kvm.get(), kGetMsrFeatureIndexList, "KVM_GET_MSR_FEATURE_INDEX_LIST");
    if (!features) return fail(features.error());
    for (std::uint32_t index : *features) {
      KvmX86Msr &m = msrs[index];
      m.index = index;
      m.feature = true;
      auto value = getOneMsr(kvm.get(), index);
      if (!value) return fail("feature MSR " + std::to_string(index) + ": " + value.error());
      m.feature_value = *value;
    }
  }

  Fd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (!vm.valid()) return fail(syscallError("KVM_CREATE_VM"));
  if (options.create_irqchip) (void)::ioctl(vm.get(), KVM_CREATE_IRQCHIP, 0);
  Fd vcpu(::ioctl(vm.get(), KVM_CREATE_VCPU, 0));
  if (!vcpu.valid()) return fail(syscallError("KVM_CREATE_VCPU"));
  if (options.set_supported_cpuid) out.vcpu_cpuid_set = setSupportedCpuid(kvm.get(), vcpu.get());

  for (auto &[index, m] : msrs) {
    auto value = getOneMsr(vcpu.get(), index);
    if (!value) return fail("vCPU MSR " + std::to_string(index) + ": " + value.error());
    m.vcpu_accepts = value->has_value();
    m.vcpu_value = *value;
    out.msrs.push_back(m);
  }
  return out;
}

}  // namespace regcompat::probe
