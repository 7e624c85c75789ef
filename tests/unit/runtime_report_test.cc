// The rendered report: what a release engineer reads in a log.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime_test_support.h"

namespace regcompat::runtime {
namespace {

using namespace rt_test;  // NOLINT: test helpers

std::string fixture(const std::string &name) {
  std::ifstream in(std::string(REGCOMPAT_RUNTIME_FIXTURES) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot read fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Report, SummaryCountsEachSeverity) {
  MergeReport r;
  EXPECT_EQ(renderSummary(r), "load would succeed: 0 error(s)");
  r.findings.push_back({.severity = Severity::Note, .message = "n1"});
  r.findings.push_back({.severity = Severity::Note, .message = "n2"});
  EXPECT_EQ(renderSummary(r), "load would succeed: 0 error(s), 2 note(s)");
  r.findings.insert(r.findings.begin(), Finding{.severity = Severity::Error, .message = "e"});
  r.ok = false;
  EXPECT_EQ(renderSummary(r), "load would fail: 1 error(s), 2 note(s)");
  r.findings.insert(r.findings.begin() + 1, Finding{.severity = Severity::Warning, .message = "w"});
  EXPECT_EQ(renderSummary(r), "load would fail: 1 error(s), 1 warning(s), 2 note(s)");
  EXPECT_EQ(renderReport(r),
            "error: e\nwarning: w\nnote: n1\nnote: n2\n"
            "load would fail: 1 error(s), 1 warning(s), 2 note(s)\n");
}

// The full report for QEMU 10.0.0 -> 10.0.13 without a table, as a VMM log
// shows it (tests/fixtures/runtime/dbgdtr_forward.report).
TEST(Report, DbgdtrForwardWithoutTableMatchesTheFixture) {
  const CompatTable none("virt-10.0");
  MergeOptions o;
  o.name_resolver = qemuNames();
  MergeReport r = migrate(qemu10_0_0(), none, qemu10_0_13(), none, o);
  EXPECT_EQ(renderReport(r), fixture("dbgdtr_forward.report"));
}

// Kernel 6.12 -> 7.x with a destination table that settles it, MIDR_EL1
// tolerated (the hosts differ) (tests/fixtures/runtime/kernel_forward_fixed.report).
TEST(Report, KernelForwardWithTableMatchesTheFixture) {
  const CompatTable destination = table({.machine_type = "virt-6.12",
                                         .safe_missing = {kTcr2El1, kPire0El1, kPirEl1},
                                         .value_rules = {Tolerate{kMidrEl1}}});
  LocalRegisterList source = kvm6_12();
  source.push_back({kMidrEl1, 0x410fd083, true});
  LocalRegisterList here = kvm7();
  here.push_back({kMidrEl1, 0x410fd0c0, true});
  MergeOptions o;
  o.name_resolver = qemuNames();
  MergeReport r = migrate(source, CompatTable("virt-6.12"), here, destination, o);
  EXPECT_EQ(renderReport(r), fixture("kernel_forward_fixed.report"));
}

} // namespace
} // namespace regcompat::runtime
