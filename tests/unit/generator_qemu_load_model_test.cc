// QemuLoadModel on small hand-made lists: each rule of
// docs/qemu-cpreg-migration.md on its own. release/real-qemu-matrix
// checks the same rules against Debian's real QEMU binaries.
#include <gtest/gtest.h>

#include "regcompat/generator/qemu_load_model.h"

namespace {

using namespace regcompat::generator;

constexpr std::uint64_t kSctlr = 0x603000000013c080, kCtr = 0x603000000013d801, kTcr = 0x603000000013c102;
constexpr std::uint64_t kBogus = 0x40200000200e0298, kLow = 0x40200000000f6802, kHigh = 0x603000000013ffff;

QemuLoadInput base(QemuLoader loader) {
  QemuLoadInput in;
  in.loader = loader;
  in.destination = {{kSctlr, 0xc50838, false}, {kTcr, 0, false}, {kCtr, 0x8444c004, true}};
  for (const auto &d : in.destination) in.incoming.push_back({d.index, d.value});
  in.tolerances = builtinTcgTolerances(loader);
  return in;
}

void drop(QemuLoadInput &in, std::uint64_t index) {
  std::erase_if(in.incoming, [&](const QemuRegisterValue &r) { return r.index == index; });
}
void add(QemuLoadInput &in, std::uint64_t index, std::uint64_t value = 0) {
  in.incoming.push_back({index, value});
  std::sort(in.incoming.begin(), in.incoming.end(), [](auto &a, auto &b) { return a.index < b.index; });
}

TEST(QemuLoadModel, LoaderGenerations) {
  EXPECT_EQ(qemuLoaderOf("7.2").value(), QemuLoader::Capped);
  EXPECT_EQ(qemuLoaderOf("10.0.13").value(), QemuLoader::Capped);
  EXPECT_EQ(qemuLoaderOf("10.2.2").value(), QemuLoader::Capped);
  EXPECT_EQ(qemuLoaderOf("11.1.3").value(), QemuLoader::Tolerant);
  EXPECT_EQ(qemuLoaderOf("11.2").value(), QemuLoader::Tolerant);
  EXPECT_EQ(qemuLoaderOf("12.0.0").value(), QemuLoader::Tolerant);
  EXPECT_FALSE(qemuLoaderOf("11.0.1"));  // not confirmed on a binary
  EXPECT_FALSE(qemuLoaderOf("11.0"));
  EXPECT_FALSE(qemuLoaderOf("7.1.9"));
  EXPECT_FALSE(qemuLoaderOf("10"));
  EXPECT_FALSE(qemuLoaderOf("6.2"));
  EXPECT_FALSE(qemuLoaderOf("ten"));
  EXPECT_EQ(qemuCpregId(kBogus), 0x200e0298u);
  EXPECT_EQ(qemuCpregId(0x603000000013c030), 0x1013c030u);
}

TEST(QemuLoadModel, SameListLoads) {
  for (QemuLoader l : {QemuLoader::Capped, QemuLoader::Tolerant}) {
    auto p = predictQemuLoad(base(l));
    EXPECT_TRUE(p.loads);
    EXPECT_TRUE(p.messages.empty());
  }
}

TEST(QemuLoadModel, CappedLengthCapComesFirst) {
  auto in = base(QemuLoader::Capped);
  add(in, kLow);
  auto p = predictQemuLoad(in);
  EXPECT_FALSE(p.loads);
  EXPECT_EQ(p.failed, QemuLoadCheck::LengthCap);
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(p.messages[0], "Invalid value 4 expecting positive value <= 3");
  // The tolerant loader has no cap: the same register is named unknown.
  in.loader = QemuLoader::Tolerant;
  p = predictQemuLoad(in);
  EXPECT_EQ(p.failed, QemuLoadCheck::UnknownRegister);
  EXPECT_EQ(p.unknown, std::vector<std::uint64_t>{kLow});
}

TEST(QemuLoadModel, CappedMergeFailsInTheMiddleAndIgnoresTheTail) {
  auto in = base(QemuLoader::Capped);
  drop(in, kSctlr);
  add(in, kLow);
  auto p = predictQemuLoad(in);
  EXPECT_EQ(p.failed, QemuLoadCheck::UnknownRegister);
  EXPECT_TRUE(p.messages.empty());  // QEMU 7.2-10.x says nothing
  in = base(QemuLoader::Capped);
  drop(in, kSctlr);
  add(in, kHigh);
  p = predictQemuLoad(in);
  EXPECT_TRUE(p.loads);
  EXPECT_EQ(p.ignored_tail, std::vector<std::uint64_t>{kHigh});
  EXPECT_EQ(p.missing, std::vector<std::uint64_t>{kSctlr});
}

TEST(QemuLoadModel, ConstantsReadBackAndStaleSlots) {
  for (QemuLoader l : {QemuLoader::Capped, QemuLoader::Tolerant}) {
    auto in = base(l);
    in.incoming.back().value ^= 1;  // CTR_EL0 changed
    auto p = predictQemuLoad(in);
    EXPECT_EQ(p.failed, QemuLoadCheck::ReadBack);
    EXPECT_EQ(p.read_back, std::vector<std::uint64_t>{kCtr});
    in = base(l);
    drop(in, kCtr);  // a constant the stream lacks: its slot is stale
    p = predictQemuLoad(in);
    EXPECT_EQ(p.failed, QemuLoadCheck::ReadBack);
    in = base(l);
    drop(in, kSctlr);  // a plain register the stream lacks: loads
    EXPECT_TRUE(predictQemuLoad(in).loads);
  }
}

TEST(QemuLoadModel, TolerantNamesWarnsAndTolerates) {
  auto in = base(QemuLoader::Tolerant);
  drop(in, kSctlr);
  add(in, kBogus);
  auto p = predictQemuLoad(in);
  EXPECT_TRUE(p.loads);
  EXPECT_EQ(p.tolerated, std::vector<std::uint64_t>{kBogus});
  EXPECT_EQ(p.warned, std::vector<std::uint64_t>{kSctlr});
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0], "warning: handle_cpreg_missing_in_incoming_stream: system register 0x1013c080 "
                           "expected by the destination but not in the incoming stream: skip it");
  // OnlySrcTestValue: accepted only with the benign value.
  in = base(QemuLoader::Tolerant);
  in.tolerances.push_back({kLow, ~std::uint64_t{0}, 0, QemuToleranceKind::OnlySrcTestValue});
  add(in, kLow, 0);
  EXPECT_TRUE(predictQemuLoad(in).loads);
  in.incoming.front().value = 1;
  EXPECT_EQ(predictQemuLoad(in).failed, QemuLoadCheck::UnknownRegister);
}

TEST(QemuLoadModel, TolerantFailureFlagIsOverwrittenByALaterTolerated) {
  // machine.c assigns the flag per register only in the stream: an unknown
  // register followed by a tolerated one loads (confirmed on 11.1.3).
  auto in = base(QemuLoader::Tolerant);
  add(in, kLow);
  add(in, kBogus);
  auto p = predictQemuLoad(in);
  EXPECT_TRUE(p.loads);
  EXPECT_TRUE(p.flag_overwritten);
  EXPECT_EQ(p.unknown, std::vector<std::uint64_t>{kLow});
  in = base(QemuLoader::Tolerant);
  add(in, kBogus);
  add(in, kHigh);
  EXPECT_EQ(predictQemuLoad(in).failed, QemuLoadCheck::UnknownRegister);
}

TEST(QemuLoadModel, WfxtTimerSubsectionAbortsACappedDestinationWithoutIt) {
  auto in = base(QemuLoader::Capped);
  in.incoming_subsections = {"cpu/vfp", "cpu/wfxt-timer"};
  EXPECT_TRUE(predictQemuLoad(in).loads);  // the destination's own subsections unknown
  in.destination_subsections = std::vector<std::string>{"cpu/vfp"};
  auto p = predictQemuLoad(in);
  EXPECT_EQ(p.failed, QemuLoadCheck::SubsectionAbort);
  EXPECT_EQ(p.abort_subsection, "cpu/wfxt-timer");
  in.destination_subsections->push_back("cpu/wfxt-timer");
  EXPECT_TRUE(predictQemuLoad(in).loads);
}

}  // namespace
