// Keys, queries and name lookups.
#include <gtest/gtest.h>

#include "db_test_support.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/release.h"
#include "regcompat/db/suggestions.h"
#include "regcompat/db/vocabulary.h"

namespace regcompat::db {
namespace {

const Database &sample() {
  static const Database db = loadDatabase(testing::sampleDir()).value();
  return db;
}

std::vector<std::string> keysOf(const std::vector<const RegisterSet *> &sets) {
  std::vector<std::string> result;
  for (const RegisterSet *set : sets) result.push_back(set->key.toString());
  return result;
}

TEST(DbSetKey, PrintsAndParses) {
  SetKey key{"qemu", "10.0.13", "arm64", "tcg", "cortex-a57"};
  EXPECT_EQ(key.toString(), "qemu/10.0.13/arm64/tcg/cortex-a57");
  Result<SetKey> parsed = SetKey::parse("qemu/10.0.13/arm64/tcg/cortex-a57");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, key);
  EXPECT_TRUE(SetKey::parse("linux/7.1/arm64/kvm/tcrx+s1pie").ok());
}

TEST(DbSetKey, RejectsMalformedKeysWithTheReason) {
  Result<SetKey> short_key = SetKey::parse("qemu/10.0.13/arm64");
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error(),
            "bad register set key 'qemu/10.0.13/arm64': expected component/release/arch/"
            "accelerator/profile, e.g. qemu/10.0.13/arm64/tcg/cortex-a57");
  Result<SetKey> bad_arch = SetKey::parse("qemu/10.0.13/aarch64/tcg/max");
  ASSERT_FALSE(bad_arch.ok());
  EXPECT_EQ(bad_arch.error(), "bad register set key 'qemu/10.0.13/aarch64/tcg/max': unknown "
                              "architecture 'aarch64' (expected one of: arm32, arm64, x86_64)");
  EXPECT_FALSE(SetKey::parse("qemu/10.0.13/arm64/tcg/").ok());
  EXPECT_FALSE(SetKey::parse("qemu/10.0.13/arm64/hvf/max").ok());
  EXPECT_FALSE(SetKey::parse("qemu/10 0/arm64/tcg/max").ok());
}

TEST(DbSetKey, OrdersReleasesByVersion) {
  SetKey older{"qemu", "7.2", "arm64", "tcg", "max"};
  SetKey newer{"qemu", "10.0.13", "arm64", "tcg", "max"};
  EXPECT_LT(older, newer);
  EXPECT_TRUE(std::is_lt(compareVersions("10.0.2", "10.0.13")));
  EXPECT_TRUE(std::is_lt(compareVersions("6.12", "6.12.38")));
  EXPECT_TRUE(std::is_lt(compareVersions("6.12.38", "7.1")));
  EXPECT_TRUE(std::is_eq(compareVersions("10.0.13", "10.0.13")));
  EXPECT_TRUE(std::is_lt(compareVersions("1.0", "1.00"))) << "ties are broken, order stays total";
}

TEST(DbQuery, PartialKeysMatchEverythingTheyLeaveOpen) {
  EXPECT_EQ(keysOf(sample().query(SetKey{"qemu", "10.0.13", "", "", ""})),
            (std::vector<std::string>{"qemu/10.0.13/arm64/tcg/cortex-a57",
                                      "qemu/10.0.13/arm64/tcg/max"}));
  EXPECT_EQ(keysOf(sample().query(SetKey{"", "", "", "", "max"})),
            (std::vector<std::string>{"qemu/7.2/arm64/tcg/max", "qemu/10.0.13/arm64/tcg/max",
                                      "qemu/10.2.2/arm64/tcg/max"}));
  EXPECT_EQ(sample().query(SetKey{}).size(), sample().sets.size());
  EXPECT_TRUE(sample().query(SetKey{"qemu", "9.9", "", "", ""}).empty());
}

TEST(DbQuery, PatternsParseFromText) {
  Result<SetKey> pattern = SetKey::parsePattern("linux/*/arm64/kvm");
  ASSERT_TRUE(pattern.ok()) << pattern.error();
  EXPECT_EQ(keysOf(sample().query(*pattern)),
            (std::vector<std::string>{"linux/6.12/arm64/kvm/base", "linux/7.1/arm64/kvm/base",
                                      "linux/7.1/arm64/kvm/tcrx+s1pie"}));
  EXPECT_EQ(keysOf(sample().query(SetKey::parsePattern("qemu/10.2.2").value())).size(), 2u);
  EXPECT_EQ(SetKey::parsePattern("").value(), SetKey{});
  EXPECT_FALSE(SetKey::parsePattern("qemu/10.0.13/arm64/tcg/max/extra").ok());
  EXPECT_FALSE(SetKey::parsePattern("xen").ok());
}

TEST(DbQuery, FindSet) {
  const RegisterSet *set = sample().findSet(SetKey::parse("linux/7.1/x86_64/kvm/base").value());
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->registers.size(), 20u);
  EXPECT_EQ(sample().findSet(SetKey::parse("linux/7.1/x86_64/kvm/pmu").value()), nullptr);
}

TEST(DbNames, NameOfUsesTheCatalogueThenTheKernelAbi) {
  EXPECT_EQ(sample().nameOf(RegisterId::fromIndex(0x40200000200e0298).value()), "BOGUS_DBGDTR_EL0");
  Database empty;
  EXPECT_EQ(empty.nameOf(RegisterId::fromIndex(0x6030000000160003).value()),
            wellKnownName(RegisterId::fromIndex(0x6030000000160003).value()));
  RegisterId unnamed = RegisterId::encode(Arm64SysregFields{3, 0, 15, 2, 1}).value();
  EXPECT_EQ(empty.nameOf(unnamed), std::nullopt);
  EXPECT_EQ(empty.displayName(unnamed), unnamed.toText());
}

TEST(DbNames, NamesMatchCaseInsensitivelyAndMissesSuggest) {
  EXPECT_EQ(sample().findByName("dbgdtr_el0").value().index(), 0x6030000000139820u);
  EXPECT_EQ(sample().findByName("msr_ia32_u_cet").value().index(), 0x20300002000006a0u);
  Database empty;
  EXPECT_EQ(empty.findByName("pc").value().index(), 0x6030000000100040u);
  Result<RegisterId> typo = sample().findByName("DBGDTR_EL9");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().find("no register is named DBGDTR_EL9; did you mean DBGDTR_EL0"), std::string::npos)
      << typo.error();
}

TEST(Suggestions, PrefixesThenNearWordsThenNothing) {
  const std::vector<std::string> words{"show", "shutdown", "validate", "diff", "query", "format", "merge"};
  EXPECT_EQ(closestMatches("shwo", words), (std::vector<std::string>{"show"}));
  EXPECT_EQ(closestMatches("sh", words), (std::vector<std::string>{"show", "shutdown"}));
  EXPECT_EQ(closestMatches("MERGE", words), (std::vector<std::string>{"merge"}));
  EXPECT_EQ(closestMatches("vaildate", words), (std::vector<std::string>{"validate"}));
  EXPECT_TRUE(closestMatches("zzzzzz", words).empty());
  EXPECT_TRUE(closestMatches("", words).empty());
  EXPECT_EQ(didYouMean("dif", words), "; did you mean diff?");
  EXPECT_EQ(didYouMean("s", words, 2), "; did you mean show or shutdown?");
  EXPECT_EQ(didYouMean("xyzzy", words), "");
  const std::vector<std::string> keys{"qemu/10.0.13/arm64/tcg/max", "qemu/10.0.13/arm64/tcg/a64fx", "qemu/10.2.2/arm64/tcg/max"};
  EXPECT_EQ(closestMatches("qemu/10.0", keys),
            (std::vector<std::string>{"qemu/10.0.13/arm64/tcg/a64fx", "qemu/10.0.13/arm64/tcg/max"}));
  EXPECT_EQ(closestMatches("qemu/10.0.13/arm64/tcg/maxx", keys, 1), (std::vector<std::string>{"qemu/10.0.13/arm64/tcg/max"}));
}

TEST(DbNames, FindByNameAndResolve) {
  EXPECT_EQ(sample().findByName("DBGDTR_EL0").value().index(), 0x6030000000139820u);
  EXPECT_EQ(sample().findByName("MSR_IA32_U_CET").value().index(), 0x20300002000006a0u);
  Result<RegisterId> missing = sample().findByName("NO_SUCH_REG");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "no register is named NO_SUCH_REG");
  // Kernel ABI names work without a catalogue entry.
  Database empty;
  EXPECT_EQ(empty.findByName("PC").value().index(), 0x6030000000100040u);

  EXPECT_EQ(sample().resolve("0x6030000000139828").value().index(), 0x6030000000139828u);
  EXPECT_EQ(sample().resolve("S2_3_C0_C5_0").value().index(), 0x6030000000139828u);
  EXPECT_EQ(sample().resolve("DBGDTRTX_EL0").value().index(), 0x6030000000139828u);
  EXPECT_FALSE(sample().resolve("0x1234").ok());
}

TEST(DbNames, AmbiguousNamesNeedAnArchitecture) {
  Database db;
  ASSERT_TRUE(db.catalogue.add({RegisterId::fromIndex(0x603000000013c080).value(), "SCTLR", ""}));
  ASSERT_TRUE(db.catalogue.add({RegisterId::fromIndex(0x40200000200f0800).value(), "SCTLR", ""}));
  Result<RegisterId> ambiguous = db.findByName("SCTLR");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error(), "register name SCTLR is ambiguous: 0x603000000013c080 (arm64), "
                               "0x40200000200f0800 (arm32); name the architecture");
  EXPECT_EQ(db.findByName("SCTLR", Arch::Arm32).value().index(), 0x40200000200f0800u);
  EXPECT_EQ(db.resolve("SCTLR", Arch::Arm64).value().index(), 0x603000000013c080u);
}

TEST(DbCatalogue, RefusesClashes) {
  Catalogue catalogue;
  RegisterId a = RegisterId::fromIndex(0x6030000000139820).value();
  RegisterId b = RegisterId::fromIndex(0x6030000000139828).value();
  ASSERT_TRUE(catalogue.add({a, "DBGDTR_EL0", ""}));
  Result<RegisterId> same_index = catalogue.add({a, "OTHER", ""});
  ASSERT_FALSE(same_index.ok());
  EXPECT_EQ(same_index.error(), "register 0x6030000000139820 is already catalogued as DBGDTR_EL0");
  Result<RegisterId> same_name = catalogue.add({b, "DBGDTR_EL0", ""});
  ASSERT_FALSE(same_name.ok());
  EXPECT_EQ(same_name.error(),
            "name DBGDTR_EL0 already names register 0x6030000000139820 in the arm64 catalogue");
  EXPECT_EQ(catalogue.size(), 1u);
}

TEST(DbVocabulary, DatesAndVersions) {
  EXPECT_FALSE(checkDate("2024-02-29").has_value());
  EXPECT_TRUE(checkDate("2023-02-29").has_value());
  EXPECT_TRUE(checkDate("2024-2-9").has_value());
  EXPECT_FALSE(checkVersion("6.12~rc1").has_value());
  EXPECT_TRUE(checkVersion("10.0/13").has_value());
  EXPECT_TRUE(checkVersion("").has_value());
  EXPECT_FALSE(checkDistroVersion("1:10.0.13+ds-0+deb13u1").has_value());
}

} // namespace
} // namespace regcompat::db
