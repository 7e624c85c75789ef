// Register identity: the known indexes of docs/register-index.md decode to
// the right fields, every family round-trips through encode/decode and through
// its text form, and malformed indexes are rejected with a reason.
#include <gtest/gtest.h>

#include <random>

#include "regcompat/register_id.h"

namespace regcompat {
namespace {

RegisterId id(std::uint64_t index) {
  auto r = RegisterId::fromIndex(index);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.value();
}

TEST(RegisterId, DecodesReferenceSysregs) {
  auto dbgdtrtx = id(0x6030000000139828ULL);
  EXPECT_EQ(dbgdtrtx.arch(), Arch::Arm64);
  EXPECT_EQ(dbgdtrtx.family(), Family::Arm64Sysreg);
  EXPECT_EQ(dbgdtrtx.sizeBits(), 64u);
  EXPECT_EQ(std::get<Arm64SysregFields>(dbgdtrtx.fields()), (Arm64SysregFields{2, 3, 0, 5, 0}));
  EXPECT_EQ(dbgdtrtx.toText(), "S2_3_C0_C5_0");
  EXPECT_EQ(id(0x6030000000139820ULL).toText(), "S2_3_C0_C4_0");
  EXPECT_EQ(id(0x603000000013c103ULL).toText(), "S3_0_C2_C0_3");  // TCR2_EL1
  EXPECT_EQ(id(0x603000000013c512ULL).toText(), "S3_0_C10_C2_2"); // PIRE0_EL1
  EXPECT_EQ(id(0x603000000013c513ULL).toText(), "S3_0_C10_C2_3"); // PIR_EL1
}

TEST(RegisterId, DecodesBogusAndRealAarch32Dbgdtrtx) {
  auto bogus = id(0x40200000200e0298ULL);
  EXPECT_EQ(bogus.arch(), Arch::Arm32);
  EXPECT_EQ(bogus.family(), Family::Arm32Cp32);
  EXPECT_EQ(std::get<Arm32CoprocFields>(bogus.fields()),
            (Arm32CoprocFields{14, false, true, 3, 0, 5, 0}));
  EXPECT_EQ(bogus.toText(), "p14,3,c0,c5,0,ns");
  EXPECT_EQ(id(0x40200000200e0280ULL).toText(), "p14,0,c0,c5,0,ns");
}

TEST(RegisterId, EncodesFromFields) {
  auto r = RegisterId::encode(Arm32CoprocFields{14, false, true, 3, 0, 5, 0});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->index(), 0x40200000200e0298ULL);
  auto m = RegisterId::encode(X86MsrFields{0x174});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->index(), 0x2030000200000174ULL);
  EXPECT_EQ(m->toText(), "MSR 0x174");
  auto v = RegisterId::encode(Arm64SveFields{Arm64SveFields::Kind::Vls, 0, 0});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->index(), 0x606000000015ffffULL);
  auto fw = RegisterId::encode(Arm64FirmwareFields{true, 3});
  ASSERT_TRUE(fw.ok());
  EXPECT_EQ(fw->index(), 0x6030000000160003ULL);
}

TEST(RegisterId, FirmwareAndTimerNames) {
  EXPECT_EQ(wellKnownName(id(0x6030000000160003ULL)), "KVM_REG_ARM_VENDOR_HYP_BMAP_2");
  EXPECT_EQ(wellKnownName(id(0x6030000000140001ULL)), "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1");
  // The kernel's CVAL id is the architectural CNTVCT_EL0 encoding (ABI quirk).
  EXPECT_EQ(wellKnownName(id(0x603000000013df02ULL)), "KVM_REG_ARM_TIMER_CVAL");
  EXPECT_EQ(wellKnownName(id(0x6030000000100000ULL)), "X0");
  EXPECT_EQ(wellKnownName(id(0x6040000000100054ULL)), "V0");
  EXPECT_EQ(wellKnownName(id(0x60200000001000d4ULL)), "FPSR");
  EXPECT_EQ(wellKnownName(id(0x6030000000100042ULL)), "PSTATE");
  EXPECT_FALSE(wellKnownName(id(0x6030000000139828ULL)).has_value());
  auto pc = wellKnownByName("PC");
  ASSERT_TRUE(pc.has_value());
  EXPECT_EQ(pc->index(), 0x6030000000100040ULL);
  EXPECT_EQ(wellKnownByName("V31")->index(), 0x6040000000100000ULL | (84 + 31 * 4));
}

TEST(RegisterId, ParsesEveryTextForm) {
  struct Case {
    const char *text;
    std::uint64_t index;
  };
  for (const Case &c : {
           Case{"0x6030000000139828", 0x6030000000139828ULL},
           Case{"S2_3_C0_C5_0", 0x6030000000139828ULL},
           Case{"s3_0_c2_c0_3", 0x603000000013c103ULL},
           Case{"p14,3,c0,c5,0,ns", 0x40200000200e0298ULL},
           Case{"p14, 3, c0, c5, 0, NS", 0x40200000200e0298ULL},
           Case{"p15,0,c2", 0x40300000000f0100ULL},
           Case{"MSR 0x174", 0x2030000200000174ULL},
           Case{"msr:0xc0000080", 0x20300002c0000080ULL},
           Case{"core:0x54/128", 0x6040000000100054ULL},
           Case{"fw:1", 0x6030000000140001ULL},
           Case{"fw-bmap:3", 0x6030000000160003ULL},
           Case{"ccsidr:2", 0x6020000000110002ULL},
           Case{"sve:vls", 0x606000000015ffffULL},
       }) {
    auto r = RegisterId::parse(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error();
    EXPECT_EQ(r->index(), c.index) << c.text;
  }
}

TEST(RegisterId, RejectsInvalidIndexesWithReason) {
  struct Case {
    std::uint64_t index;
    const char *reason;
  };
  for (const Case &c : {
           Case{0x0, "unknown architecture"},
           Case{0x6020000000139828ULL, "64-bit"},              // sysreg with 32-bit size
           Case{0x6030000000179828ULL, "unknown arm64 register group"},
           Case{0x6030000100139828ULL, "not part of"},          // stray bit 32
           Case{0x40200000001e0298ULL, "out of range"},         // cp 30
           Case{0x40300000000e0299ULL, "not part of"},          // cp64 with opc2
           Case{0x40200000200e0149ULL, "not part of"},          // cp32 opc1 > 7 (found by fuzzing)
           Case{0x4040000000000000ULL, "32- or 64-bit"},
           Case{0x2030000300000174ULL, "KVM_X86_REG_TYPE_MSR"},
           Case{0x606000000015fff0ULL, "unknown SVE"},
           Case{0x6050000000100000ULL, "core register size"},
       }) {
    auto r = RegisterId::fromIndex(c.index);
    ASSERT_FALSE(r.ok()) << std::hex << c.index;
    EXPECT_NE(r.error().find(c.reason), std::string::npos) << r.error();
  }
}

TEST(RegisterId, RejectsBadTextAndFields) {
  for (const char *t : {"", "0x", "0x1234567890abcdef01", "S4_0_C0_C0_0", "S3_8_C0_C0_0",
                        "S3_0_C16_C0_0", "p16,0,c0,c0,0", "p15,8,c0,c0,0", "p15,0,c0,c0",
                        "MSR", "MSR 0x100000000", "sve:z32.0", "sve:p16.0", "core:0x1/16",
                        "fw:", "bogus", "S3_0_C1_C0"}) {
    auto r = RegisterId::parse(t);
    EXPECT_FALSE(r.ok()) << "accepted '" << t << "' as " << (r.ok() ? r->hex() : "");
  }
}

// Property: for random field values of every family, encode -> index ->
// fields is the identity, and index -> text -> parse gives the same index.
template <typename Gen>
void checkRoundTrips(Gen gen, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    RegisterFields f = gen();
    auto r = RegisterId::encode(f);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->fields(), f) << r->hex();
    auto again = RegisterId::fromIndex(r->index());
    ASSERT_TRUE(again.ok());
    auto text = r->toText();
    auto parsed = RegisterId::parse(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error();
    EXPECT_EQ(parsed->index(), r->index()) << text;
    auto hexParsed = RegisterId::parse(r->hex());
    ASSERT_TRUE(hexParsed.ok());
    EXPECT_EQ(hexParsed->index(), r->index());
  }
}

TEST(RegisterId, RoundTripsEveryFamily) {
  std::mt19937_64 rng(42);
  auto u = [&](unsigned max) { return static_cast<unsigned>(rng() % (max + 1)); };
  checkRoundTrips([&]() -> RegisterFields {
    return Arm64SysregFields{u(3), u(7), u(15), u(15), u(7)};
  }, 2000);
  checkRoundTrips([&]() -> RegisterFields {
    const unsigned sizes[] = {32, 64, 128};
    return Arm64CoreFields{u(0xffff), sizes[u(2)]};
  }, 500);
  checkRoundTrips([&]() -> RegisterFields { return Arm64DemuxFields{u(0xff), u(0xff)}; }, 500);
  checkRoundTrips([&]() -> RegisterFields { return Arm64FirmwareFields{u(1) == 1, u(0xffff)}; }, 500);
  checkRoundTrips([&]() -> RegisterFields {
    switch (u(3)) {
    case 0: return Arm64SveFields{Arm64SveFields::Kind::Z, u(31), u(31)};
    case 1: return Arm64SveFields{Arm64SveFields::Kind::P, u(15), u(31)};
    case 2: return Arm64SveFields{Arm64SveFields::Kind::Ffr, 0, u(31)};
    default: return Arm64SveFields{Arm64SveFields::Kind::Vls, 0, 0};
    }
  }, 500);
  checkRoundTrips([&]() -> RegisterFields {
    return Arm32CoprocFields{u(15), false, u(1) == 1, u(7), u(15), u(15), u(7)};
  }, 2000);
  checkRoundTrips([&]() -> RegisterFields {
    return Arm32CoprocFields{u(15), true, u(1) == 1, u(15), 0, u(15), 0};
  }, 500);
  checkRoundTrips([&]() -> RegisterFields {
    return X86MsrFields{static_cast<std::uint32_t>(rng())};
  }, 2000);
}

// Property: a random 64-bit word is either rejected or decodes to fields that
// encode back to exactly the same word.
TEST(RegisterId, RandomIndexesAreRejectedOrRoundTrip) {
  std::mt19937_64 rng(7);
  const std::uint64_t prefixes[] = {0x6030000000130000ULL, 0x6030000000100000ULL,
                                    0x4020000000000000ULL, 0x4030000000000000ULL,
                                    0x2030000200000000ULL, 0x6060000000150000ULL};
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t x = rng();
    // Bias half the samples toward plausible prefixes with a few flipped bits.
    if (i % 2) x = prefixes[i % 6] | (x & 0xffffULL) | ((x >> 40) & 1 ? (1ULL << (x % 64)) : 0);
    auto r = RegisterId::fromIndex(x);
    if (!r.ok()) {
      EXPECT_FALSE(r.error().empty());
      continue;
    }
    ++accepted;
    auto back = RegisterId::encode(r->fields());
    ASSERT_TRUE(back.ok()) << r->hex() << ": " << back.error();
    ASSERT_EQ(back->index(), x) << r->toText();
  }
  EXPECT_GT(accepted, 10000);
}

} // namespace
} // namespace regcompat
