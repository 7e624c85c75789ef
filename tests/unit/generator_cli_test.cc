// `regcompat gen` and `regcompat check` as a release pipeline runs them:
// exit codes (check's abidiff-style bit field), file:line:col errors for a
// bad policy, byte-identical outputs, and a --suggest patch that `patch -p1`
// applies and that makes the gate pass.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "generator_test_support.h"

namespace regcompat::generator {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandRun run(const std::string &command) {
  CommandRun r;
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

std::string quote(const fs::path &p) { return "'" + p.string() + "'"; }

class GeneratorCli : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("regcompat-gen-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  std::string rc() const { return quote(REGCOMPAT_EXE); }
  std::string sampleArgs() const {
    return " --db " + quote(testing::sourceDir() / "database" / "sample") + " --policy " +
           quote(testing::sourceDir() / "database" / "sample-policy.yaml");
  }
  fs::path tmp_;
};

TEST_F(GeneratorCli, GenWritesEveryOutputIdenticallyTwice) {
  for (const char *round : {"a", "b"}) {
    const fs::path dir = tmp_ / round;
    fs::create_directories(dir);
    const CommandRun r = run(rc() + " gen" + sampleArgs() + " --cpp-header " + quote(dir / "t.hpp") + " --c-header " +
                      quote(dir / "t.h") + " --qemu " + quote(dir / "q.c") + " --json " + quote(dir / "r.json") +
                      " --yaml " + quote(dir / "r.yaml") + " --compat-dir " + quote(dir / "compat"));
    ASSERT_EQ(r.status, 0) << r.output;
  }
  for (const char *file : {"t.hpp", "t.h", "q.c", "r.json", "r.yaml", "compat/virt-10.0.yaml", "compat/virt-7.2.yaml"})
    EXPECT_EQ(testing::readFile(tmp_ / "a" / file), testing::readFile(tmp_ / "b" / file)) << file;
  // The compat files are the ones shipped next to the sample.
  EXPECT_EQ(testing::readFile(tmp_ / "a" / "compat" / "virt-10.0.yaml"),
            testing::readFile(testing::sourceDir() / "database" / "sample-generated" / "virt-10.0.yaml"));
}

TEST_F(GeneratorCli, GenSummaryAndJsonToStdout) {
  CommandRun r = run(rc() + " gen" + sampleArgs());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("0 with the generated tables"), std::string::npos) << r.output;
  r = run(rc() + " gen" + sampleArgs() + " --format json");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("\"failing_with_tables\": 0"), std::string::npos);
  r = run(rc() + " gen" + sampleArgs() + " --qemu-xmig -");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("static GlobalProperty arm_virt_10_0_mig_regs_compat[]"), std::string::npos);
  r = run(rc() + " gen" + sampleArgs() + " --qemu -");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("static void regcompat_kvm_host_mig_tolerances(ARMCPU *cpu)"), std::string::npos);
  EXPECT_EQ(r.output.find("GlobalProperty"), std::string::npos);
  // No QEMU form for x86: QEMU has no cpreg tolerances there.
  r = run(rc() + " gen --db " + quote(testing::sourceDir() / "database" / "real") + " --policy " +
          quote(testing::sourceDir() / "database" / "real-policy-x86.yaml") + " --qemu -");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("Arm CPUs only"), std::string::npos) << r.output;
}

TEST_F(GeneratorCli, BadPolicyNamesFileLineAndColumn) {
  const fs::path policy = tmp_ / "bad-policy.yaml";
  std::string text = testing::readFile(testing::sourceDir() / "database" / "sample-policy.yaml");
  text = testing::replaced(text, "    direction: forward\n", "    direction: sideways\n");
  std::FILE *f = std::fopen(policy.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  const std::string args = " --db " + quote(testing::sourceDir() / "database" / "sample") + " --policy " + quote(policy);
  CommandRun r = run(rc() + " gen" + args);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find(policy.string() + ":42:16: direction: expected one of forward, backward, both, found 'sideways'"),
            std::string::npos)
      << r.output;
  r = run(rc() + " check" + args);
  EXPECT_EQ(r.status, 3) << r.output;  // invalid input, as in every command
  r = run(rc() + " gen --db " + quote(testing::sourceDir() / "database" / "sample") + " --policy " +
          quote(tmp_ / "missing.yaml"));
  EXPECT_EQ(r.status, 3) << r.output;
}

TEST_F(GeneratorCli, CheckExitBits) {
  CommandRun r = run(rc() + " check" + sampleArgs() + " --rules runtime");
  EXPECT_EQ(r.status, 4) << r.output;  // change: the generated tables fix every failure
  EXPECT_NE(r.output.find("BROKEN virt-10.0 tcg/max: 10.2.2/6.12 -> 10.0.13/6.12 (backward;"), std::string::npos);
  EXPECT_NE(r.output.find("fix: x-mig-hidden-regs += 0x40200000200e0298 in virt-10.0"), std::string::npos);
  r = run(rc() + " check" + sampleArgs() + " --compat " + quote(testing::sourceDir() / "database" / "sample-generated"));
  EXPECT_EQ(r.status, 0) << r.output;
  r = run(rc() + " check" + sampleArgs() + " --rules runtime --candidate 7.1 --format json");
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_NE(r.output.find("\"candidate\": \"7.1\""), std::string::npos);
  r = run(rc() + " check" + sampleArgs() + " --candidate 99.0");
  EXPECT_EQ(r.status, 2) << r.output;
  r = run(rc() + " check --db " + quote(testing::sourceDir() / "database" / "sample"));
  EXPECT_EQ(r.status, 2) << r.output;  // --policy is required
  r = run(rc() + " check --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("12 (4 + 8) do not ship"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("70 internal error"), std::string::npos) << r.output;

  // A policy that makes one register guest state: that migration cannot be fixed.
  std::string text = testing::readFile(testing::sourceDir() / "database" / "sample-policy.yaml");
  text = testing::replaced(text, "  - register: TTBR0_EL1\n",
                           "  - register: VENDOR_HYP_BMAP_2_PLACEHOLDER\n  - register: TTBR0_EL1\n");
  text = testing::replaced(text, "VENDOR_HYP_BMAP_2_PLACEHOLDER\n", "KVM_REG_ARM_VENDOR_HYP_BMAP_2\n    guest_state: true\n");
  const fs::path policy = tmp_ / "guest-state.yaml";
  std::FILE *f = std::fopen(policy.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  r = run(rc() + " check --rules runtime --db " + quote(testing::sourceDir() / "database" / "sample") + " --policy " + quote(policy));
  EXPECT_EQ(r.status, 12) << r.output;
  EXPECT_NE(r.output.find("BROKEN (no table fixes it) virt-10.0 kvm/base: 10.0.13/7.1 -> 10.0.13/6.12"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("no fix: guest state"), std::string::npos);
  r = run(rc() + " gen --db " + quote(testing::sourceDir() / "database" / "sample") + " --policy " + quote(policy));
  EXPECT_EQ(r.status, 1) << r.output;
}

TEST_F(GeneratorCli, CheckJudgesByQemuByDefault) {
  // An Arm policy without --compat: real QEMU's loader of each destination
  // release judges. The sample's releases (7.2 .. 10.2) all cap the incoming
  // list at their own length and cannot skip a register they lack.
  CommandRun r = run(rc() + " check" + sampleArgs());
  EXPECT_EQ(r.status, 12) << r.output;
  EXPECT_NE(r.output.find("needs what QEMU cannot express: virt-10.0 tcg/max: 10.2.2/6.12 -> 10.0.13/6.12 (backward;"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("against real QEMU's loader of each destination release"), std::string::npos);
  r = run(rc() + " check" + sampleArgs() + " --format json");
  EXPECT_EQ(r.status, 12);
  EXPECT_NE(r.output.find("\"rules\": \"qemu\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"schema_version\": 1"), std::string::npos);
  // Compat files are runtime tables: with them the runtime judges.
  r = run(rc() + " check" + sampleArgs() + " --compat " + quote(testing::sourceDir() / "database" / "sample-generated"));
  EXPECT_EQ(r.status, 0) << r.output;
  r = run(rc() + " check" + sampleArgs() + " --rules qemu --compat " +
          quote(testing::sourceDir() / "database" / "sample-generated"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("compat files are runtime tables"), std::string::npos) << r.output;
  r = run(rc() + " check" + sampleArgs() + " --suggest -");
  EXPECT_EQ(r.status, 2) << r.output;
  r = run(rc() + " check" + sampleArgs() + " --rules kvm");
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(GeneratorCli, SuggestedPatchAppliesAndPassesTheGate) {
  ASSERT_EQ(run("command -v patch").status, 0) << "patch is not installed (scripts/install-deps installs it)";
  // Ship virt-10.0's table only; the other machine types have none yet.
  fs::create_directories(tmp_ / "compat");
  fs::copy_file(testing::sourceDir() / "database" / "sample-generated" / "virt-10.0.yaml", tmp_ / "compat" / "virt-10.0.yaml");
  CommandRun r = run("cd " + quote(tmp_) + " && " + rc() + " check" + sampleArgs() + " --compat compat --suggest fix.patch");
  EXPECT_EQ(r.status, 4) << r.output;
  const std::string patch = testing::readFile(tmp_ / "fix.patch");
  EXPECT_NE(patch.find("--- /dev/null\n+++ b/compat/virt-7.2.yaml\n"), std::string::npos) << patch;
  EXPECT_EQ(patch.find("virt-10.0.yaml"), std::string::npos) << patch;
  r = run("cd " + quote(tmp_) + " && patch -p1 < fix.patch");
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("cd " + quote(tmp_) + " && " + rc() + " check" + sampleArgs() + " --compat compat");
  EXPECT_EQ(r.status, 0) << r.output;
}

} // namespace
} // namespace regcompat::generator
