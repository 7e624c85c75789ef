// The shipped sample database (database/sample): it loads, it tells the
// stories the project is about, and it is in canonical form.
#include <gtest/gtest.h>

#include "db_test_support.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/saver.h"

namespace regcompat::db {
namespace {

using testing::TempDir;

const Database &sample() {
  static const Database db = [] {
    Outcome<Database> loaded = loadDatabase(testing::sampleDir());
    if (!loaded) ADD_FAILURE() << loaded.errorText();
    return loaded ? std::move(loaded).value() : Database{};
  }();
  return db;
}

SetKey key(std::string_view text) { return SetKey::parse(text).value(); }

TEST(DbSample, LoadsWithEveryReleaseInVersionOrder) {
  Outcome<Database> loaded = loadDatabase(testing::sampleDir());
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  const Database &db = *loaded;
  EXPECT_EQ(db.name, "regcompat-sample");
  std::vector<std::string> releases;
  for (const Release &release : db.releases) releases.push_back(release.component + "/" + release.version);
  EXPECT_EQ(releases, (std::vector<std::string>{"linux/6.12", "linux/7.1", "qemu/7.2",
                                                "qemu/10.0.13", "qemu/10.2.2"}));
  std::vector<std::string> sets;
  for (const RegisterSet &set : db.sets) sets.push_back(set.key.toString());
  EXPECT_EQ(sets, (std::vector<std::string>{
                      "linux/6.12/arm64/kvm/base", "linux/6.12/x86_64/kvm/base",
                      "linux/7.1/arm64/kvm/base", "linux/7.1/arm64/kvm/tcrx+s1pie",
                      "linux/7.1/x86_64/kvm/base", "qemu/7.2/arm64/tcg/cortex-a57",
                      "qemu/7.2/arm64/tcg/max", "qemu/10.0.13/arm64/tcg/cortex-a57",
                      "qemu/10.0.13/arm64/tcg/max", "qemu/10.2.2/arm64/tcg/cortex-a57",
                      "qemu/10.2.2/arm64/tcg/max"}));
  const Release *qemu = db.findRelease("qemu", "10.0.13");
  ASSERT_NE(qemu, nullptr);
  EXPECT_EQ(qemu->distro_version, "1:10.0.13+ds-0+deb13u1");
}

TEST(DbSample, HoldsTheDbgdtrRegistersOnlyWhereQemuDefinesThem) {
  const RegisterId dbgdtr = RegisterId::fromIndex(0x6030000000139820).value();
  const RegisterId dbgdtrtx = RegisterId::fromIndex(0x6030000000139828).value();
  const RegisterId dbgdtrtx32 = RegisterId::fromIndex(0x40200000200e0280).value();
  const RegisterId bogus = RegisterId::fromIndex(0x40200000200e0298).value();
  for (const char *model : {"cortex-a57", "max"}) {
    const RegisterSet *old_set = sample().findSet(key(std::string("qemu/7.2/arm64/tcg/") + model));
    const RegisterSet *fixed = sample().findSet(key(std::string("qemu/10.0.13/arm64/tcg/") + model));
    const RegisterSet *readded = sample().findSet(key(std::string("qemu/10.2.2/arm64/tcg/") + model));
    ASSERT_TRUE(old_set && fixed && readded) << model;
    for (RegisterId id : {dbgdtr, dbgdtrtx, dbgdtrtx32, bogus}) {
      EXPECT_EQ(old_set->find(id), nullptr) << id.hex();
    }
    for (RegisterId id : {dbgdtr, dbgdtrtx, dbgdtrtx32}) {
      for (const RegisterSet *set : {fixed, readded}) {
        const RegisterEntry *entry = set->find(id);
        ASSERT_NE(entry, nullptr) << set->key.toString() << " " << id.hex();
        EXPECT_EQ(entry->flags, std::vector<std::string>{"const"});
        EXPECT_EQ(entry->value, std::optional<std::uint64_t>(0));
        EXPECT_TRUE(entry->migrated());
      }
    }
    EXPECT_EQ(fixed->find(bogus), nullptr);
    const RegisterEntry *bogus_entry = readded->find(bogus);
    ASSERT_NE(bogus_entry, nullptr);
    EXPECT_EQ(bogus_entry->name, "BOGUS_DBGDTR_EL0");
    EXPECT_EQ(bogus_entry->provenance.kind, Provenance::Kind::Source);
    EXPECT_EQ(bogus_entry->provenance.where, "target/arm/debug_helper.c:1030");
  }
}

TEST(DbSample, NamesEveryRegisterAndAgreesWithTheKernelAbiNames) {
  for (const RegisterSet &set : sample().sets) {
    for (const RegisterEntry &entry : set.registers) {
      std::optional<std::string> name = sample().nameOf(entry);
      ASSERT_TRUE(name.has_value()) << set.key.toString() << " " << entry.id.hex();
      ASSERT_NE(sample().catalogue.find(entry.id), nullptr)
          << entry.id.hex() << " is missing from the catalogue";
    }
  }
  for (const CatalogueEntry &entry : sample().catalogue.entries()) {
    if (std::optional<std::string> abi = wellKnownName(entry.id)) {
      EXPECT_EQ(entry.name, *abi) << entry.id.hex();
    }
  }
}

TEST(DbSample, IsCanonicalSoThatLoadThenSaveIsByteIdentical) {
  TempDir out;
  Outcome<SaveReport> saved = saveDatabase(sample(), out.path() / "db");
  ASSERT_TRUE(saved.ok()) << saved.errorText();
  std::vector<std::filesystem::path> shipped = testing::filesUnder(testing::sampleDir());
  ASSERT_EQ(testing::filesUnder(out.path() / "db"), shipped);
  for (const std::filesystem::path &file : shipped) {
    EXPECT_EQ(testing::readFile(out.path() / "db" / file),
              testing::readFile(testing::sampleDir() / file))
        << file << " is not in canonical form";
  }
  EXPECT_EQ(saved->written.size(), shipped.size());
}

TEST(DbSample, SavingOverItselfChangesNothing) {
  TempDir out;
  testing::copySample(out.path());
  Outcome<SaveReport> saved = saveDatabase(sample(), out.path());
  ASSERT_TRUE(saved.ok()) << saved.errorText();
  EXPECT_TRUE(saved->written.empty());
  EXPECT_TRUE(saved->removed.empty());
  EXPECT_EQ(saved->unchanged.size(), testing::filesUnder(testing::sampleDir()).size());
}

TEST(DbSample, ValidatesCleanAndRoundTripsThroughMemory) {
  EXPECT_TRUE(validate(sample()).empty()) << testing::describe(validate(sample()));
  TempDir out;
  ASSERT_TRUE(saveDatabase(sample(), out.path() / "db").ok());
  Outcome<Database> again = loadDatabase(out.path() / "db");
  ASSERT_TRUE(again.ok()) << again.errorText();
  EXPECT_EQ(*again, sample());
}

} // namespace
} // namespace regcompat::db
