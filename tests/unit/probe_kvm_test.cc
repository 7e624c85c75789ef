// The live KVM probes on this host (skipped without a usable /dev/kvm).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "regcompat/db/vocabulary.h"
#include "regcompat/probe/kvm_probe.h"
#include "regcompat/probe/probe_sets.h"

namespace {

using regcompat::probe::KvmX86Probe;

bool kvmUsable() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

TEST(ProbeHost, HostInfoAndProfileAreKeySafe) {
  const auto host = regcompat::probe::readHostInfo();
  EXPECT_FALSE(host.kernel_release.empty());
  EXPECT_FALSE(host.machine.empty());
  EXPECT_FALSE(host.cpu_vendor.empty());
  EXPECT_TRUE(std::is_sorted(host.features.begin(), host.features.end()));
  EXPECT_EQ(regcompat::db::checkProfile(host.profile()), std::nullopt) << host.profile();
  EXPECT_EQ(regcompat::db::checkVersion(host.kernel_release), std::nullopt) << host.kernel_release;
  EXPECT_EQ(host.profile(), regcompat::probe::readHostInfo().profile());  // stable
}

TEST(ProbeHost, Arm64OptionsProfiles) {
  regcompat::probe::KvmArm64Options o;
  EXPECT_EQ(o.profile(), "base");
  o.pmu = true;
  o.sve = true;
  EXPECT_EQ(o.profile(), "pmu+sve");
  o.ptrauth = true;
  o.el2 = true;
  EXPECT_EQ(o.profile(), "el2+pauth+pmu+sve");
}

#if defined(__x86_64__)
const KvmX86Probe &x86Probe() {
  static const auto probe = regcompat::probe::probeKvmX86();
  if (!probe) ADD_FAILURE() << probe.error();
  static const KvmX86Probe value = probe ? *probe : KvmX86Probe{};
  return value;
}

const regcompat::probe::KvmX86Msr *findMsr(const KvmX86Probe &p, std::uint32_t index) {
  for (const auto &m : p.msrs)
    if (m.index == index) return &m;
  return nullptr;
}

TEST(ProbeKvmX86, MsrIndexListHasTheBaseMsrs) {
  if (!kvmUsable()) GTEST_SKIP() << "/dev/kvm is absent or not accessible";
  const KvmX86Probe &p = x86Probe();
  EXPECT_EQ(p.api_version, 12);
  // arch/x86/kvm/x86.c msrs_to_save_base / emulated_msrs_all, every release.
  for (std::uint32_t msr : {0x174u, 0x175u, 0x176u, 0x10u, 0xc0000081u, 0xc0000082u, 0xc0000084u,
                            0xc0000102u, 0x4b564d00u, 0x4b564d01u}) {
    const auto *m = findMsr(p, msr);
    ASSERT_NE(m, nullptr) << std::hex << "MSR 0x" << msr;
    EXPECT_TRUE(m->in_index_list) << std::hex << msr;
  }
  EXPECT_GT(p.indexListSize(), 30u);
  EXPECT_TRUE(std::is_sorted(p.msrs.begin(), p.msrs.end(),
                             [](const auto &a, const auto &b) { return a.index < b.index; }));
}

TEST(ProbeKvmX86, FeatureMsrsCarryValues) {
  if (!kvmUsable()) GTEST_SKIP() << "/dev/kvm is absent or not accessible";
  const KvmX86Probe &p = x86Probe();
  if (!p.has_feature_msrs) GTEST_SKIP() << "KVM_CAP_GET_MSR_FEATURES not offered";
  EXPECT_GT(p.featureListSize(), 0u);
  // MSR_IA32_UCODE_REV is a feature MSR on every kernel since 4.19.
  const auto *ucode = findMsr(p, 0x8b);
  ASSERT_NE(ucode, nullptr);
  EXPECT_TRUE(ucode->feature);
  for (const auto &m : p.msrs) {
    if (m.feature) {
      EXPECT_TRUE(m.feature_value.has_value()) << std::hex << m.index;
    }
  }
  if (p.host.cpu_vendor == "GenuineIntel" &&
      std::find(p.host.features.begin(), p.host.features.end(), "vmx") != p.host.features.end()) {
    // VMX capability MSRs (MSR_IA32_VMX_BASIC 0x480) are feature MSRs when
    // nested VMX is possible.
    const auto *basic = findMsr(p, 0x480);
    if (basic != nullptr) {
      EXPECT_TRUE(basic->feature);
    }
  }
}

TEST(ProbeKvmX86, VcpuAcceptsTheCommonMsrs) {
  if (!kvmUsable()) GTEST_SKIP() << "/dev/kvm is absent or not accessible";
  const KvmX86Probe &p = x86Probe();
  EXPECT_TRUE(p.vcpu_cpuid_set);
  for (std::uint32_t msr : {0x10u, 0x174u, 0xc0000081u, 0x4b564d00u}) {
    const auto *m = findMsr(p, msr);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->vcpu_accepts) << std::hex << msr;
  }
  EXPECT_GT(p.vcpuAccepted(), p.indexListSize() / 2);
  EXPECT_LE(p.vcpuAccepted(), p.msrs.size());
}

TEST(ProbeKvmX86, RegisterSets) {
  if (!kvmUsable()) GTEST_SKIP() << "/dev/kvm is absent or not accessible";
  const KvmX86Probe &p = x86Probe();
  const auto sets = regcompat::probe::kvmX86RegisterSets(p);
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(sets[0].registers.size(), p.indexListSize());
  EXPECT_EQ(sets[1].registers.size(), p.featureListSize());
  EXPECT_EQ(sets[2].registers.size(), p.vcpuAccepted());
  for (const auto &set : sets) {
    EXPECT_EQ(set.key.component, "linux");
    EXPECT_EQ(set.key.arch, "x86_64");
    EXPECT_EQ(set.key.accelerator, "kvm");
    EXPECT_EQ(regcompat::db::checkProfile(set.key.profile), std::nullopt);
    for (const auto &e : set.registers) {
      EXPECT_EQ(regcompat::db::checkProvenance(e.provenance), std::nullopt) << e.provenance.where;
      EXPECT_TRUE(regcompat::db::setArchitectureHolds("x86_64", e.id));
    }
  }
  std::printf("host %s: %zu MSRs in KVM_GET_MSR_INDEX_LIST, %zu feature MSRs, vCPU accepts %zu of %zu\n",
              p.host.profile().c_str(), p.indexListSize(), p.featureListSize(), p.vcpuAccepted(), p.msrs.size());
}

TEST(ProbeKvmX86, BadDeviceIsAnError) {
  regcompat::probe::KvmX86Options o;
  o.device = "/nonexistent/kvm";
  auto r = regcompat::probe::probeKvmX86(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("/nonexistent/kvm"), std::string::npos);
}

TEST(ProbeKvmArm64, UnavailableOnX86) {
  auto r = regcompat::probe::probeKvmArm64();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("aarch64 hosts only"), std::string::npos);
}
#endif

}  // namespace
