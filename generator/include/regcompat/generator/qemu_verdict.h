// QemuVerdict: what real QEMU does with each required migration of a policy,
// judged by the destination release's own loader (qemu_load_model.h) rather
// than by regcompat's runtime merge. The release gate and the HTML report
// both read it from the analysis, so they give one verdict.
//
// Four outcomes, in the order a distribution would try them:
//   loads as is                 the stream loads with no tolerance at all;
//   loads under own tolerances  it loads thanks to the tolerances the
//                               destination release registers itself
//                               (11.1: DBGDTRTX for TCG, four for -cpu host);
//   fixed by generated          it loads once the tolerances `gen --qemu`
//                               emits are registered too (11.1+ loaders, or a
//                               distribution's backport of them);
//   inexpressible               no tolerance makes it load: a constant whose
//                               value changed or that only the destination
//                               has (read-back), an old destination's length
//                               cap, or a register the old loader cannot skip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/generator/qemu_load_model.h"
#include "regcompat/register_id.h"

namespace regcompat::generator {

struct Analysis;
struct PlatformSet;
struct Platform;

enum class QemuVerdictKind { LoadsAsIs, LoadsUnderOwnTolerances, FixedByGeneratedTolerances, Inexpressible, Unjudged };
std::string_view toString(QemuVerdictKind kind);  // "loads-as-is", ...

// Why a register keeps a migration from loading on QEMU, and what would fix it.
enum class QemuObstacleKind {
  ChangedConstant,   // a constant's value differs between the releases
  AddedConstant,     // a constant only the destination has (its slot is stale)
  LengthCap,         // 7.2-10.2: the stream's list is longer than the destination's
  RemovedRegister,   // 7.2-10.2: a register only the source has, which that loader cannot skip
  UntoleratedRegister,  // 11.1+: only the source has it and no tolerance may drop it
  SubsectionAbort,   // the destination aborts on a cpu subsection
};
std::string_view toString(QemuObstacleKind kind);

struct QemuObstacle {
  QemuObstacleKind kind = QemuObstacleKind::ChangedConstant;
  std::vector<std::uint64_t> registers;  // the ones responsible (may be empty)
  std::string why;                       // in QEMU's terms
  std::string fix;                       // what would make it load
};

struct QemuEdgeVerdict {
  QemuVerdictKind kind = QemuVerdictKind::Unjudged;
  QemuLoader loader = QemuLoader::Capped;
  std::string dest_release;  // the QEMU release whose loader judged
  // The prediction that decided: with every tolerance that applies (none,
  // the release's own, or its own plus the generated ones).
  QemuLoadPrediction prediction;
  std::vector<std::uint64_t> needed_tolerances;  // generated ones the load relies on
  std::vector<QemuObstacle> obstacles;           // Inexpressible only
  std::string unjudged;                          // why, for Unjudged
  bool values_modelled = true;  // false under KVM: the kernel judges values
};

// A tolerance `gen --qemu` emits for a CPU class ("kvm" or a TCG model),
// with the reasons (one per machine type that needs it).
struct GeneratedTolerance {
  RegisterId id;
  bool test_value = false;  // ToleranceOnlySrcTestValue(UINT64_MAX, 0)
  std::vector<std::string> reasons;
  QemuTolerance tolerance() const;
};
using GeneratedTolerances = std::map<std::string, std::map<RegisterId, GeneratedTolerance>>;

// The CPU class of a platform group ("tcg/max" -> "max", "kvm/base" -> "kvm").
std::string qemuCpuClassOf(const std::string &group);

// Per CPU class, the tolerances that the machine types' hidden and
// safe-to-miss entries call for (QEMU registers tolerances per CPU, not per
// machine type, so a class gets the union).
GeneratedTolerances generatedQemuTolerances(const Analysis &analysis);

// The tolerances a release registers itself for a platform's CPU class.
std::vector<QemuTolerance> ownQemuTolerances(QemuLoader loader, bool kvm);

// "loads as is", "loads under QEMU's own tolerances", ... (for people).
std::string_view qemuVerdictText(QemuVerdictKind kind);

// The verdict's detail, a line each: the tolerances it relies on, each
// obstacle with its registers and what would fix it, QEMU's messages.
std::vector<std::string> qemuVerdictLines(const PlatformSet &set, const QemuEdgeVerdict &verdict);

QemuEdgeVerdict judgeOnQemu(const PlatformSet &set, const Platform &source, const Platform &dest,
                            const GeneratedTolerances &generated);

}  // namespace regcompat::generator
