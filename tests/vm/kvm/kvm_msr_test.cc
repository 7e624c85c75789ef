// The MSR register list: restriction to a release's set, refused MSRs,
// KVM_GET_MSRS / KVM_SET_MSRS round trip and error reports.
#include <algorithm>

#include "kvm_test_support.h"
#include "msr_list.h"

namespace regvm::kvm::test {
namespace {

constexpr std::uint32_t kLstar = 0xc0000082, kKernelGsBase = 0xc0000102, kSysenterCs = 0x174, kTsc = 0x10;

TEST(MsrList, RestrictKeepsHostAndReleaseMinusHidden) {
  const std::vector<std::uint32_t> host = {kLstar, kTsc, kSysenterCs, kKernelGsBase};
  const std::vector<std::uint64_t> release = {msrRegisterIndex(kTsc), msrRegisterIndex(kLstar),
                                              msrRegisterIndex(kKernelGsBase), msrRegisterIndex(0x48),
                                              0x6030000000139820ULL /* an arm64 register: ignored */};
  const std::vector<std::uint64_t> hidden = {msrRegisterIndex(kKernelGsBase)};
  EXPECT_EQ(restrictMsrList(host, release, hidden),
            (std::vector<std::uint64_t>{msrRegisterIndex(kTsc), msrRegisterIndex(kLstar)}));
}

TEST(MsrList, IndexForm) {
  EXPECT_EQ(msrRegisterIndex(kLstar), 0x20300002c0000082ULL);
  EXPECT_EQ(msrOfRegisterIndex(0x20300002c0000082ULL), kLstar);
  EXPECT_EQ(msrOfRegisterIndex(0x6030000000139820ULL), std::nullopt);
  EXPECT_EQ(describeMsr(msrRegisterIndex(kLstar)), "0x20300002c0000082 (MSR 0xc0000082, MSR_LSTAR)");
}

TEST(KvmMsr, HostIndexListHasTheArchitecturalMsrs) {
  REGVM_REQUIRE_KVM();
  auto system = KvmSystem::open();
  ASSERT_TRUE(system) << system.error();
  auto list = (*system)->hostMsrIndexList();
  ASSERT_TRUE(list) << list.error();
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end()));
  for (std::uint32_t msr : {kTsc, kSysenterCs, kLstar, kKernelGsBase})
    EXPECT_TRUE(std::binary_search(list->begin(), list->end(), msr)) << std::hex << msr;
}

TEST(KvmMsr, RefusedMsrsAreDroppedAndReportedOrAnError) {
  REGVM_REQUIRE_KVM();
  GuestOptions options;
  options.msrs = {msrRegisterIndex(kLstar), msrRegisterIndex(0x4b564dff) /* no such MSR */,
                  msrRegisterIndex(kSysenterCs)};
  auto guest = TestGuest::create(options);
  ASSERT_TRUE(guest);
  EXPECT_EQ(guest->vcpu().refusedMsrs(), std::vector<std::uint64_t>{msrRegisterIndex(0x4b564dff)});
  EXPECT_EQ(guest->vcpu().msrList(),
            (std::vector<std::uint64_t>{msrRegisterIndex(kSysenterCs), msrRegisterIndex(kLstar)}));

  auto system = KvmSystem::open();
  ASSERT_TRUE(system);
  auto memory = GuestMemory::create(0, 16 << 20);
  ASSERT_TRUE(memory);
  auto vm = KvmVm::create(*system, **memory);
  ASSERT_TRUE(vm) << vm.error();
  KvmVcpuOptions strict;
  strict.msrs = options.msrs;
  strict.require_all_msrs = true;
  auto vcpu = KvmVcpu::create(*vm, strict);
  ASSERT_FALSE(vcpu);
  EXPECT_NE(vcpu.error().find("refuses 1 MSR(s)"), std::string::npos) << vcpu.error();
  EXPECT_NE(vcpu.error().find("MSR 0x4b564dff"), std::string::npos) << vcpu.error();
}

TEST(KvmMsr, NonMsrIndexIsRejected) {
  REGVM_REQUIRE_KVM();
  GuestOptions options;
  options.msrs = {msrRegisterIndex(kLstar)};
  auto guest = TestGuest::create(options);
  ASSERT_TRUE(guest);
  const regcompat::runtime::StreamRegister arm64{0x6030000000139820ULL, 0};
  auto st = guest->vcpu().loadRegisterList({&arm64, 1});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("0x6030000000139820"), std::string::npos) << st.error();
}

TEST(KvmMsr, RegisterListRoundTripsIntoAFreshVcpu) {
  REGVM_REQUIRE_KVM();
  auto a = TestGuest::create();
  ASSERT_TRUE(a);
  const std::vector<regcompat::runtime::StreamRegister> set = {
      {msrRegisterIndex(kSysenterCs), 0x10},
      {msrRegisterIndex(kLstar), 0xffffffff81a00000ULL},
      {msrRegisterIndex(kKernelGsBase), 0xffff888000123000ULL},
  };
  auto st = a->vcpu().loadRegisterList(set);
  ASSERT_TRUE(st) << st.error();
  const auto list = a->vcpu().registerList();
  ASSERT_EQ(a->vcpu().lastStateError(), "");
  ASSERT_GT(list.size(), 20u);
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end(),
                             [](const auto &x, const auto &y) { return x.index < y.index; }));

  auto b = TestGuest::create();
  ASSERT_TRUE(b);
  std::vector<regcompat::runtime::StreamRegister> stream;
  for (const auto &r : list) stream.push_back({r.index, r.value});
  st = b->vcpu().loadRegisterList(stream);
  ASSERT_TRUE(st) << st.error();
  const auto copied = b->vcpu().registerList();
  ASSERT_EQ(copied.size(), list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].index == msrRegisterIndex(kTsc)) continue;  // it counts
    EXPECT_EQ(copied[i].value, list[i].value) << describeMsr(list[i].index);
  }
  for (const auto &r : set) {
    auto it = std::find_if(copied.begin(), copied.end(), [&](const auto &c) { return c.index == r.index; });
    ASSERT_NE(it, copied.end());
    EXPECT_EQ(it->value, r.value) << describeMsr(r.index);
  }
}

TEST(KvmMsr, RefusedValuesAreEachNamedAndTheRestIsWritten) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  const std::vector<regcompat::runtime::StreamRegister> set = {
      {msrRegisterIndex(kSysenterCs), 0x10},
      {msrRegisterIndex(kLstar), 0x8000000000000000ULL},         // not canonical
      {msrRegisterIndex(kKernelGsBase), 0x8000000000000000ULL},  // not canonical
      {msrRegisterIndex(0xc0000081), 0x0023001000000000ULL},     // MSR_STAR, fine
  };
  auto st = guest->vcpu().loadRegisterList(set);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("refused 2 MSR value(s)"), std::string::npos) << st.error();
  EXPECT_NE(st.error().find("MSR_LSTAR) = 0x8000000000000000"), std::string::npos) << st.error();
  EXPECT_NE(st.error().find("MSR_KERNEL_GS_BASE) = 0x8000000000000000"), std::string::npos) << st.error();
  for (const auto &r : guest->vcpu().registerList()) {
    if (r.index == msrRegisterIndex(0xc0000081)) {
      EXPECT_EQ(r.value, 0x0023001000000000ULL);
    }
    if (r.index == msrRegisterIndex(kSysenterCs)) {
      EXPECT_EQ(r.value, 0x10u);
    }
  }
}

}  // namespace
}  // namespace regvm::kvm::test
