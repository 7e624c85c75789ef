// Shared helpers for the runtime tests: register indexes from
// docs/register-index.md, small per-release register lists written for these
// tests (not copied from any release), and the save-then-load flow a VMM runs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "regcompat/register_id.h"
#include "regcompat/runtime.h"

namespace regcompat::runtime::rt_test {

// docs/register-index.md and docs/real-breakages.md.
inline constexpr std::uint64_t kDbgdtrEl0 = 0x6030000000139820ULL;      // S2_3_C0_C4_0
inline constexpr std::uint64_t kDbgdtrtxEl0 = 0x6030000000139828ULL;    // S2_3_C0_C5_0
inline constexpr std::uint64_t kDbgdtrtxAa32 = 0x40200000200e0280ULL;   // p14,0,c0,c5,0,ns
inline constexpr std::uint64_t kBogusDbgdtrtx = 0x40200000200e0298ULL;  // p14,3,c0,c5,0,ns
inline constexpr std::uint64_t kTcr2El1 = 0x603000000013c103ULL;
inline constexpr std::uint64_t kPire0El1 = 0x603000000013c512ULL;
inline constexpr std::uint64_t kPirEl1 = 0x603000000013c513ULL;
inline constexpr std::uint64_t kVendorHypBmap2 = 0x6030000000160003ULL;
// Architectural encodings.
inline constexpr std::uint64_t kMidrEl1 = 0x603000000013c000ULL;        // S3_0_C0_C0_0
inline constexpr std::uint64_t kIdAa64Dfr0El1 = 0x603000000013c028ULL;  // S3_0_C0_C5_0
inline constexpr std::uint64_t kSctlrEl1 = 0x603000000013c080ULL;       // S3_0_C1_C0_0
inline constexpr std::uint64_t kTtbr0El1 = 0x603000000013c100ULL;       // S3_0_C2_C0_0
inline constexpr std::uint64_t kTcrEl1 = 0x603000000013c102ULL;         // S3_0_C2_C0_2
inline constexpr std::uint64_t kPsciVersion = 0x6030000000140000ULL;
inline constexpr std::uint64_t kStdBmap = 0x6030000000160000ULL;
inline constexpr std::uint64_t kTimerCtl = 0x603000000013df19ULL;

// ID_AA64DFR0_EL1 values this test suite gives two releases.
inline constexpr std::uint64_t kOldDfr0 = 0x10305106ULL;
inline constexpr std::uint64_t kNewDfr0 = 0x110305408ULL;

// EXPECT_TRUE(contains(message, "0x603...")) prints both strings on failure.
inline ::testing::AssertionResult contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not contain \"" << part
                                       << "\"";
}

// A name resolver as a VMM would pass: its own names for the registers it
// defines (here: the names QEMU gives them).
inline NameResolver qemuNames() {
  static const std::map<std::uint64_t, std::string> names = {
      {kDbgdtrEl0, "DBGDTR_EL0"},       {kDbgdtrtxEl0, "DBGDTRTX_EL0"},
      {kDbgdtrtxAa32, "DBGDTRTX"},      {kBogusDbgdtrtx, "BOGUS_DBGDTR_EL0"},
      {kTcr2El1, "TCR2_EL1"},           {kPire0El1, "PIRE0_EL1"},
      {kPirEl1, "PIR_EL1"},             {kMidrEl1, "MIDR_EL1"},
      {kIdAa64Dfr0El1, "ID_AA64DFR0_EL1"}, {kSctlrEl1, "SCTLR_EL1"},
      {kTtbr0El1, "TTBR0_EL1"},         {kTcrEl1, "TCR_EL1"},
  };
  return [](std::uint64_t index) -> std::optional<std::string> {
    auto it = names.find(index);
    if (it == names.end()) return std::nullopt;
    return it->second;
  };
}

// `count` distinct writable system registers S3_1_C<n>_C<m>_<op2>, which no
// other register in these tests uses, standing in for the bulk of a real
// list.
inline LocalRegisterList fillerRegisters(std::size_t count) {
  LocalRegisterList regs;
  for (std::size_t i = 0; i < count; ++i) {
    auto id = RegisterId::encode(Arm64SysregFields{3, 1, static_cast<unsigned>((i >> 7) & 15),
                                                   static_cast<unsigned>((i >> 3) & 15),
                                                   static_cast<unsigned>(i & 7)});
    EXPECT_TRUE(id.ok());
    regs.push_back({id->index(), 0x1000 + i, false});
  }
  return regs;
}

// QEMU-like TCG register lists (docs/real-breakages.md, DBGDTR): the same
// 288 other registers everywhere, plus
//   10.0.0   the bogus AArch32 DBGDTRTX (opc1 = 3), DBGDTRTX_EL0, DBGDTR_EL0
//   10.0.13  DBGDTRTX (opc1 = 0), DBGDTRTX_EL0, DBGDTR_EL0        = 291
//   10.2.2   the three of 10.0.13 plus BOGUS_DBGDTR_EL0           = 292
// The DBGDTR registers are constant 0.
inline LocalRegisterList qemuCommon() { return fillerRegisters(288); }
inline LocalRegisterList qemu10_0_0() {
  LocalRegisterList l = qemuCommon();
  l.push_back({kBogusDbgdtrtx, 0, true});
  l.push_back({kDbgdtrtxEl0, 0, true});
  l.push_back({kDbgdtrEl0, 0, true});
  return l;
}
inline LocalRegisterList qemu10_0_13() {
  LocalRegisterList l = qemuCommon();
  l.push_back({kDbgdtrtxAa32, 0, true});
  l.push_back({kDbgdtrtxEl0, 0, true});
  l.push_back({kDbgdtrEl0, 0, true});
  return l;
}
inline LocalRegisterList qemu10_2_2() {
  LocalRegisterList l = qemu10_0_13();
  l.push_back({kBogusDbgdtrtx, 0, true});
  return l;
}

// KVM_GET_REG_LIST-like lists (docs/real-breakages.md, kernel): 6.12 lists
// TCR2_EL1, PIRE0_EL1, PIR_EL1 unconditionally; 7.x hides them from a VM
// without TCRX/S1PIE and lists VENDOR_HYP_BMAP_2.
inline LocalRegisterList kvmCommon() {
  return {{kPsciVersion, 0x10001, false}, {kStdBmap, 0x7, false}, {kTimerCtl, 0x1, false},
          {kSctlrEl1, 0x30d00985, false}, {kTtbr0El1, 0x41234000, false},
          {kTcrEl1, 0x35b5503510, false}};
}
inline LocalRegisterList kvm6_12() {
  LocalRegisterList l = kvmCommon();
  l.push_back({kTcr2El1, 0x0, false});
  l.push_back({kPire0El1, 0x0, false});
  l.push_back({kPirEl1, 0x0, false});
  return l;
}
inline LocalRegisterList kvm7() {
  LocalRegisterList l = kvmCommon();
  l.push_back({kVendorHypBmap2, 0x1, false});
  return l;
}

// The flow of one live migration: the source saves under its table, the
// destination merges under its own.
inline MergeReport migrate(const LocalRegisterList &source, const CompatTable &source_table,
                           const LocalRegisterList &destination,
                           const CompatTable &destination_table, MergeOptions options = {}) {
  auto stream = outgoing(source, source_table);
  EXPECT_TRUE(stream.ok()) << (stream.ok() ? "" : stream.error());
  if (!stream.ok()) return {};
  return merge(destination, *stream, destination_table, options);
}

inline CompatTable table(CompatTableSpec spec) {
  auto t = CompatTable::create(std::move(spec));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error());
  return t.ok() ? std::move(t).value() : CompatTable();
}

inline std::vector<Finding> findingsOf(const MergeReport &report, FindingKind kind) {
  std::vector<Finding> out;
  std::copy_if(report.findings.begin(), report.findings.end(), std::back_inserter(out),
               [&](const Finding &f) { return f.kind == kind; });
  return out;
}

inline std::vector<Finding> errorsOf(const MergeReport &report) {
  std::vector<Finding> out;
  std::copy_if(report.findings.begin(), report.findings.end(), std::back_inserter(out),
               [](const Finding &f) { return f.severity == Severity::Error; });
  return out;
}

inline std::optional<std::uint64_t> mergedValue(const MergeReport &report, std::uint64_t index) {
  for (const StreamRegister &r : report.merged)
    if (r.index == index) return r.value;
  return std::nullopt;
}

} // namespace regcompat::runtime::rt_test
