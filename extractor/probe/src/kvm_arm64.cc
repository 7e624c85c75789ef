// The arm64 KVM probe (built on aarch64 hosts only, and cross-checked by
// scripts/cross-check); see kvm_probe.h.
//
// Sequence as QEMU's target/arm/kvm.c and the kernel's selftest
// tools/testing/selftests/kvm/arm64/get-reg-list.c do it: KVM_CREATE_VM,
// KVM_ARM_PREFERRED_TARGET, KVM_CREATE_VCPU, KVM_ARM_VCPU_INIT with feature
// bits, KVM_ARM_VCPU_FINALIZE for SVE, KVM_GET_REG_LIST (E2BIG tells the
// count).
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "regcompat/kvm/abi.h"
#include "regcompat/kvm/unique_fd.h"
#include "regcompat/probe/kvm_probe.h"

namespace regcompat::probe {
namespace {

// KVM_GET_REG_LIST numbered with struct kvm_reg_list's C size
// (regcompat/kvm/abi.h says why), and the owned descriptor.
using kvm::kGetRegList;
using Fd = kvm::UniqueFd;
using kvm::syscallError;

// Nested virtualisation, newer than Debian 12's kernel headers:
// arch/arm64/include/uapi/asm/kvm.h KVM_ARM_VCPU_HAS_EL2 (Linux 6.x) and
// include/uapi/linux/kvm.h KVM_CAP_ARM_EL2 (Linux 6.16+).
constexpr unsigned kVcpuHasEl2 = 7;
constexpr int kCapArmEl2 = 240;

void setFeature(kvm_vcpu_init &init, unsigned bit) {
  init.features[bit / 32] |= 1u << (bit % 32);
}

}  // namespace

Result<KvmArm64Probe> probeKvmArm64(const KvmArm64Options &options) {
  KvmArm64Probe out;
  out.host = readHostInfo();
  out.options = options;
  Fd kvm(::open(options.device.c_str(), O_RDWR | O_CLOEXEC));
  if (!kvm.valid()) return fail(syscallError(options.device));
  const int api = ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
  if (api != KVM_API_VERSION) return fail(options.device + ": KVM API version " + std::to_string(api));

  struct Wanted {
    bool on;
    int cap;
    const char *name;
  };
  const Wanted caps[] = {
      {options.pmu, KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3"},
      {options.sve, KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE"},
      {options.ptrauth, KVM_CAP_ARM_PTRAUTH_ADDRESS, "KVM_CAP_ARM_PTRAUTH_ADDRESS"},
      {options.ptrauth, KVM_CAP_ARM_PTRAUTH_GENERIC, "KVM_CAP_ARM_PTRAUTH_GENERIC"},
      {options.el2, kCapArmEl2, "KVM_CAP_ARM_EL2"},
  };
  for (const Wanted &w : caps) {
    if (w.on && ::ioctl(kvm.get(), KVM_CHECK_EXTENSION, w.cap) <= 0)
      return fail(std::string("this host's KVM lacks ") + w.name + " (profile " + options.profile() + ")");
  }

  Fd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (!vm.valid()) return fail(syscallError("KVM_CREATE_VM"));
  kvm_vcpu_init init{};
  if (::ioctl(vm.get(), KVM_ARM_PREFERRED_TARGET, &init) < 0) return fail(syscallError("KVM_ARM_PREFERRED_TARGET"));
  out.target = init.target;
  std::memset(init.features, 0, sizeof init.features);
  setFeature(init, KVM_ARM_VCPU_PSCI_0_2);
  if (options.pmu) setFeature(init, KVM_ARM_VCPU_PMU_V3);
  if (options.sve) setFeature(init, KVM_ARM_VCPU_SVE);
  if (options.ptrauth) {
    setFeature(init, KVM_ARM_VCPU_PTRAUTH_ADDRESS);
    setFeature(init, KVM_ARM_VCPU_PTRAUTH_GENERIC);
  }
  if (options.el2) setFeature(init, kVcpuHasEl2);

  Fd vcpu(::ioctl(vm.get(), KVM_CREATE_VCPU, 0));
  if (!vcpu.valid()) return fail(syscallError("KVM_CREATE_VCPU"));
  if (::ioctl(vcpu.get(), KVM_ARM_VCPU_INIT, &init) < 0)
    return fail(syscallError("KVM_ARM_VCPU_INIT (profile " + options.profile() + ")"));
  if (options.sve) {
    int what = KVM_ARM_VCPU_SVE;
    if (::ioctl(vcpu.get(), KVM_ARM_VCPU_FINALIZE, &what) < 0) return fail(syscallError("KVM_ARM_VCPU_FINALIZE(SVE)"));
  }

  // kvm_reg_list: u64 n, u64 reg[n].
  std::vector<std::uint64_t> buf(1, 0);
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (::ioctl(vcpu.get(), kGetRegList, buf.data()) == 0) {
      const std::uint64_t n = std::min<std::uint64_t>(buf[0], buf.size() - 1);
      out.registers.assign(buf.begin() + 1, buf.begin() + 1 + static_cast<std::ptrdiff_t>(n));
      return out;
    }
    if (errno != E2BIG) return fail(syscallError("KVM_GET_REG_LIST"));
    const std::uint64_t n = buf[0];
    if (n > (1u << 20)) return fail("KVM_GET_REG_LIST: implausible count " + std::to_string(n));
    buf.assign(1 + static_cast<std::size_t>(n), 0);
    buf[0] = n;
  }
  return fail("KVM_GET_REG_LIST: list keeps growing");
}

}  // namespace regcompat::probe
