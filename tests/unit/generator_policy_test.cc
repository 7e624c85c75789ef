// The policy loader: a valid policy reads back exactly; every mistake a
// release engineer can make in one is an error naming file:line:col, all of
// them at once, and never a crash.
#include <gtest/gtest.h>

#include "generator_test_support.h"
#include "regcompat/generator/policy_loader.h"

namespace regcompat::generator {
namespace {

using testing::replaced;

const std::string kPolicy = R"(schema_version: 1
name: test
architecture: arm64
products:
  - release: "10.0.13"
    hypervisor: "10.0.13"
    kernels: ["6.12", "7.1"]
    stream: "10"
  - release: "7.2"
    hypervisor: "7.2"
    kernels: ["6.12"]
accelerators:
  tcg:
    cpu_models: [max, cortex-a57]
  kvm:
    cpu_models: [base]
machine_types:
  - name: virt-7.2
  - name: virt-10.0
    introduced: "10.0"
migrations:
  - name: forward
    direction: forward
    within: stream
  - direction: backward
    releases: 1
    kernels: {min: "6.12", max: "7.1", change: downgrade}
    accelerators: [kvm]
    machine_types: [virt-10.0]
values:
  default: tolerate
  on_conflict: refuse
registers:
  - register: TCR2_EL1
    guest_state: true
    note: "translation control"
  - register: "0x6030000000160003"
    fix: hide
    value: refuse
)";

// Every diagnostic as "line:col: message".
std::vector<std::string> errorsOf(const std::string &text) {
  auto policy = loadPolicyFromString(text, "p.yaml");
  std::vector<std::string> out;
  if (policy) return out;
  for (const auto &d : policy.diagnostics()) {
    EXPECT_EQ(d.file, "p.yaml");
    out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
  }
  return out;
}

::testing::AssertionResult hasError(const std::vector<std::string> &errors, const std::string &prefix,
                                    const std::string &needle) {
  for (const auto &e : errors)
    if (e.rfind(prefix, 0) == 0 && e.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  std::string all;
  for (const auto &e : errors) all += "\n  " + e;
  return ::testing::AssertionFailure() << "no error at " << prefix << " containing '" << needle << "' in:" << all;
}

TEST(GeneratorPolicy, ValidPolicyReadsBackEveryField) {
  auto loaded = loadPolicyFromString(kPolicy, "p.yaml");
  ASSERT_TRUE(loaded) << loaded.errorText();
  const Policy &p = loaded.value();
  EXPECT_EQ(p.name, "test");
  EXPECT_EQ(p.architecture, "arm64");
  ASSERT_EQ(p.products.size(), 2u);
  EXPECT_EQ(p.products[0].release, "10.0.13");
  EXPECT_EQ(p.products[0].kernels, (std::vector<std::string>{"6.12", "7.1"}));
  EXPECT_EQ(p.products[0].stream, "10");
  EXPECT_EQ(p.products[0].position.line, 5u);
  ASSERT_EQ(p.accelerators.size(), 2u);
  EXPECT_EQ(p.accelerators[0].name, "tcg");
  EXPECT_EQ(p.accelerators[0].cpu_models, (std::vector<std::string>{"max", "cortex-a57"}));
  ASSERT_EQ(p.machine_types.size(), 2u);
  EXPECT_EQ(p.machine_types[0].introduced, "7.2");  // read from the name
  EXPECT_EQ(p.machine_types[1].introduced, "10.0");
  ASSERT_EQ(p.migrations.size(), 2u);
  EXPECT_EQ(p.migrations[0].name, "forward");
  EXPECT_TRUE(p.migrations[0].within_stream);
  EXPECT_EQ(p.migrations[1].name, "migrations[2]");
  EXPECT_EQ(p.migrations[1].direction, Direction::Backward);
  EXPECT_EQ(p.migrations[1].max_releases, 1u);
  EXPECT_EQ(p.migrations[1].kernel_min, "6.12");
  EXPECT_EQ(p.migrations[1].kernel_change, KernelChange::Downgrade);
  EXPECT_EQ(p.migrations[1].accelerators, (std::vector<std::string>{"kvm"}));
  EXPECT_EQ(p.values.mode, ValueMode::Tolerate);
  EXPECT_EQ(p.values.on_conflict, ValueMode::Refuse);
  ASSERT_EQ(p.registers.size(), 2u);
  EXPECT_TRUE(p.registers[0].guest_state);
  EXPECT_EQ(p.registers[0].note, "translation control");
  EXPECT_EQ(p.registers[1].fix, FixPreference::Hide);
  EXPECT_EQ(p.registers[1].value, ValueMode::Refuse);
}

TEST(GeneratorPolicy, SyntaxErrorNamesLineAndColumn) {
  auto errors = errorsOf("schema_version: 1\nname: [unclosed\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(hasError(errors, "3:", "YAML syntax error"));
}

TEST(GeneratorPolicy, EmptyFileListsEveryRequiredKey) {
  auto errors = errorsOf("");
  EXPECT_TRUE(hasError(errors, "1:1:", "expected a map"));
  errors = errorsOf("{}\n");
  for (const char *key : {"schema_version", "name", "architecture", "products", "accelerators",
                          "machine_types", "migrations"})
    EXPECT_TRUE(hasError(errors, "1:1:", std::string("lacks required key '") + key + "'"));
}

TEST(GeneratorPolicy, UnknownAndDuplicateKeys) {
  auto errors = errorsOf(replaced(kPolicy, "name: test\n", "name: test\nnmae: typo\nname: again\n"));
  EXPECT_TRUE(hasError(errors, "3:1:", "unknown key 'nmae' in policy"));
  EXPECT_TRUE(hasError(errors, "4:1:", "duplicate key 'name' in policy (first given at line 2)"));
  errors = errorsOf(replaced(kPolicy, "    stream: \"10\"\n", "    stream: \"10\"\n    streem: x\n"));
  EXPECT_TRUE(hasError(errors, "9:5:", "unknown key 'streem' in product"));
}

TEST(GeneratorPolicy, WrongTypesAndBadValues) {
  auto errors = errorsOf(replaced(kPolicy, "schema_version: 1", "schema_version: 2"));
  EXPECT_TRUE(hasError(errors, "1:17:", "schema_version 2 is not supported"));
  errors = errorsOf(replaced(kPolicy, "architecture: arm64", "architecture: sparc"));
  EXPECT_TRUE(hasError(errors, "3:15:", "architecture 'sparc'"));
  errors = errorsOf(replaced(kPolicy, "kernels: [\"6.12\", \"7.1\"]", "kernels: \"6.12\""));
  EXPECT_TRUE(hasError(errors, "7:14:", "kernels: expected a list"));
  errors = errorsOf(replaced(kPolicy, "    direction: forward\n", "    direction: sideways\n"));
  EXPECT_TRUE(hasError(errors, "23:16:", "direction: expected one of forward, backward, both, found 'sideways'"));
  errors = errorsOf(replaced(kPolicy, "releases: 1", "releases: -1"));
  EXPECT_TRUE(hasError(errors, "26:15:", "releases: expected a non-negative whole number"));
  errors = errorsOf(replaced(kPolicy, "guest_state: true", "guest_state: yes"));
  EXPECT_TRUE(hasError(errors, "35:18:", "guest_state: expected true or false, found 'yes'"));
  errors = errorsOf(replaced(kPolicy, "on_conflict: refuse", "on_conflict: pin"));
  EXPECT_TRUE(hasError(errors, "32:16:", "values.on_conflict: expected one of tolerate, refuse"));
  errors = errorsOf(replaced(kPolicy, "  tcg:\n", "  xen:\n"));
  EXPECT_TRUE(hasError(errors, "13:3:", "accelerator 'xen'"));
  errors = errorsOf(replaced(kPolicy, "max: \"7.1\"", "max: \"6.1\""));
  EXPECT_TRUE(hasError(errors, "27:14:", "kernels: min 6.12 is above max 6.1"));
}

TEST(GeneratorPolicy, DuplicatesAreRefusedWithTheFirstLine) {
  auto errors = errorsOf(replaced(kPolicy, "  - release: \"7.2\"", "  - release: \"10.0.13\""));
  EXPECT_TRUE(hasError(errors, "9:14:", "product release '10.0.13' is given twice (first at line 5)"));
  errors = errorsOf(replaced(kPolicy, "[max, cortex-a57]", "[max, max]"));
  EXPECT_TRUE(hasError(errors, "14:23:", "CPU model 'max' is given twice"));
  errors = errorsOf(replaced(kPolicy, "  - name: virt-10.0\n", "  - name: virt-7.2\n"));
  EXPECT_TRUE(hasError(errors, "19:11:", "machine type 'virt-7.2' is given twice (first at line 18)"));
  errors = errorsOf(replaced(kPolicy, "  - name: virt-10.0\n", "  - name: virt_7.2\n"));
  EXPECT_TRUE(hasError(errors, "19:11:", "both become the identifier 'virt_7_2'"));
}

TEST(GeneratorPolicy, ReferencesMustBeDeclared) {
  auto errors = errorsOf(replaced(kPolicy, "accelerators: [kvm]", "accelerators: [hvf]"));
  EXPECT_TRUE(hasError(errors, "28:20:", "accelerator 'hvf' is not declared"));
  errors = errorsOf(replaced(kPolicy, "machine_types: [virt-10.0]", "machine_types: [virt-9.0]"));
  EXPECT_TRUE(hasError(errors, "29:21:", "machine type 'virt-9.0' is not declared"));
  errors = errorsOf(replaced(kPolicy, "    introduced: \"10.0\"", "    introduced: \"11.0\""));
  EXPECT_TRUE(hasError(errors, "19:5:", "is run by no product release"));
  errors = errorsOf(replaced(kPolicy, "  - name: virt-7.2\n", "  - name: virt\n"));
  EXPECT_TRUE(hasError(errors, "18:5:", "give 'introduced'"));
}

TEST(GeneratorPolicy, GuestStateTakesNoFix) {
  auto errors = errorsOf(replaced(kPolicy, "    guest_state: true\n", "    guest_state: true\n    fix: hide\n"));
  EXPECT_TRUE(hasError(errors, "36:10:", "a guest_state register is never hidden nor dropped"));
}

TEST(GeneratorPolicy, AliasesTagsAndDeepNestingAreRefused) {
  auto errors = errorsOf(replaced(kPolicy, "name: test", "name: &a test\ndescription: *a"));
  EXPECT_TRUE(hasError(errors, "3:14:", "aliases"));
  errors = errorsOf(replaced(kPolicy, "name: test", "name: !!str test"));
  EXPECT_TRUE(hasError(errors, "2:7:", "tags"));
  errors = errorsOf("a: " + std::string(40, '[') + std::string(40, ']') + "\n");
  EXPECT_TRUE(hasError(errors, "1:", "nesting deeper"));
}

TEST(GeneratorPolicy, CollectsEveryErrorAtOnce) {
  std::string text = replaced(kPolicy, "architecture: arm64", "architecture: sparc");
  text = replaced(text, "    direction: forward\n", "    direction: sideways\n");
  text = replaced(text, "guest_state: true", "guest_state: 1");
  EXPECT_EQ(errorsOf(text).size(), 3u);
}

TEST(GeneratorPolicy, GarbageNeverCrashes) {
  for (const char *text : {"\x01\x02\x03", "- - - -", ": : :", "schema_version: 1\n---\nname: x\n",
                           "products: {release: 1}", "migrations: [[[]]]", "\"unterminated",
                           "accelerators: [tcg]", "registers: 5", "{schema_version: 99999999999999999999}"}) {
    auto loaded = loadPolicyFromString(text, "g.yaml");
    EXPECT_FALSE(loaded) << text;
  }
}

TEST(GeneratorPolicy, MissingFileIsAnError) {
  auto loaded = loadPolicy("/nonexistent/policy.yaml");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.errorText().find("/nonexistent/policy.yaml"), std::string::npos);
  auto dir = loadPolicy(testing::fixtureDir());
  EXPECT_FALSE(dir);
}

// Binding to a database: missing releases, register sets and registers are
// errors at the policy's line.
TEST(GeneratorPolicy, BindingNamesWhatTheDatabaseLacks) {
  auto database = testing::loadDb(testing::fixtureDir() / "db");
  std::string text = testing::readFile(testing::fixtureDir() / "policy.yaml");
  text = replaced(text, "cpu_models: [cortex-a57, max]", "cpu_models: [cortex-a57, max, neoverse-n1]");
  text = replaced(text, "kernels: [\"6.12\"]", "kernels: [\"6.1\"]");
  text = replaced(text, "  - register: TTBR0_EL1\n", "  - register: NO_SUCH_REG\n");
  auto policy = loadPolicyFromString(text, "p.yaml");
  ASSERT_TRUE(policy) << policy.errorText();
  auto bound = bindPolicy(policy.value(), *database);
  ASSERT_FALSE(bound);
  const std::string errors = bound.errorText();
  EXPECT_NE(errors.find("p.yaml:12:15: product 7.2: the database has no linux release 6.1"), std::string::npos) << errors;
  EXPECT_NE(errors.find("p.yaml:25:35: product 7.2 on linux 6.1 with tcg CPU model neoverse-n1: the "
                        "database has no register set qemu/7.2/arm64/tcg/neoverse-n1"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("p.yaml:49:15: unknown register 'NO_SUCH_REG'"), std::string::npos) << errors;
}

TEST(GeneratorPolicy, AnnotationsResolveNamesTextFormsAndIndexes) {
  auto database = testing::loadDb(testing::fixtureDir() / "db");
  std::string text = testing::readFile(testing::fixtureDir() / "policy.yaml");
  text = replaced(text, "  - register: TTBR0_EL1\n", "  - register: S3_0_C2_C0_3\n  - register: \"0x6030000000160003\"\n  - register: TTBR0_EL1\n");
  auto policy = loadPolicyFromString(text, "p.yaml");
  ASSERT_TRUE(policy) << policy.errorText();
  auto bound = bindPolicy(policy.value(), *database);
  ASSERT_TRUE(bound) << bound.errorText();
  EXPECT_NE(bound->annotation(RegisterId::parse("0x603000000013c103").value()), nullptr);  // TCR2_EL1
  EXPECT_NE(bound->annotation(RegisterId::parse("0x6030000000160003").value()), nullptr);
  EXPECT_NE(bound->annotation(RegisterId::parse("0x603000000013c080").value()), nullptr);  // SCTLR_EL1
}

} // namespace
} // namespace regcompat::generator
