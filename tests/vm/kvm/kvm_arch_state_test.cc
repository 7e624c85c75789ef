// The versioned x86 arch state: bad and truncated records are errors naming
// the byte offset, and leave the vCPU untouched.
#include "kvm_test_support.h"

namespace regvm::kvm::test {
namespace {

std::vector<std::uint8_t> savedState(TestGuest &guest) {
  StateWriter out;
  guest.vcpu().saveArchState(out);
  EXPECT_EQ(guest.vcpu().lastStateError(), "");
  return out.take();
}

std::uint64_t rip(TestGuest &guest) {
  auto s = guest.vcpu().readArchState();
  EXPECT_TRUE(s) << s.error();
  return s ? s->regs.rip : 0;
}

TEST(KvmArchState, RoundTripsThroughTheEncoding) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("exit_value")));
  const auto bytes = savedState(*guest);
  StateReader in(bytes);
  X86ArchState decoded = X86ArchState::load(in, 1 << 20);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.atEnd());
  StateWriter again;
  decoded.save(again);
  EXPECT_EQ(again.bytes(), bytes);
  EXPECT_EQ(decoded.regs.rip, REGVM_GUEST_LOAD_ADDRESS);
  EXPECT_EQ(decoded.lapic.has_value(), guest->vm().inKernelLapic());
}

TEST(KvmArchState, EveryTruncationIsAnErrorWithTheOffset) {
  REGVM_REQUIRE_KVM();
  auto source = TestGuest::create();
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->boot(guestImage("exit_value")));
  const auto bytes = savedState(*source);
  auto dest = TestGuest::create();
  ASSERT_TRUE(dest);
  const std::uint64_t rip_before = rip(*dest);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 97) {
    StateReader in({bytes.data(), cut}, 1000, "x86 vCPU state");
    auto st = dest->vcpu().loadArchState(in);
    ASSERT_FALSE(st) << "accepted a record cut at " << cut;
    EXPECT_NE(st.error().find("(at byte offset "), std::string::npos) << st.error();
  }
  EXPECT_EQ(rip(*dest), rip_before) << "a failed load changed the vCPU";
}

TEST(KvmArchState, WrongVersionSizeAndFlagsAreNamed) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("exit_value")));
  const auto good = savedState(*guest);

  auto bad = good;
  bad[0] = 9;  // version 9
  StateReader v(bad, 0, "x86 vCPU state");
  auto st = guest->vcpu().loadArchState(v);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), "x86 vCPU state version 9 is not supported (this regvm reads 1..1) (at byte offset 0)");

  bad = good;
  bad[4] = 0x80;  // unknown flag
  StateReader f(bad);
  st = guest->vcpu().loadArchState(f);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("unknown flags 128 (at byte offset 4)"), std::string::npos) << st.error();

  bad = good;
  bad[8] = static_cast<std::uint8_t>(bad[8] - 8);  // kvm_regs blob 8 bytes short
  StateReader r(bad);
  st = guest->vcpu().loadArchState(r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("regs is 136 bytes, struct kvm_regs is 144 (at byte offset 8)"), std::string::npos)
      << st.error();
}

TEST(KvmArchState, LapicModeMustMatch) {
  REGVM_REQUIRE_KVM();
  auto with = TestGuest::create();
  ASSERT_TRUE(with);
  const auto bytes = savedState(*with);
  GuestOptions options;
  options.vm.in_kernel_lapic = false;
  auto without = TestGuest::create(options);
  ASSERT_TRUE(without);
  StateReader in(bytes);
  auto st = without->vcpu().loadArchState(in);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("saved with the in-kernel LAPIC, this VM runs without it"), std::string::npos)
      << st.error();
}

}  // namespace
}  // namespace regvm::kvm::test
