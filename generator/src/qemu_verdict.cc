// See regcompat/generator/qemu_verdict.h. The wording of each obstacle and
// fix follows docs/qemu-cpreg-migration.md, where every rule is explained.
#include "regcompat/generator/qemu_verdict.h"

#include <algorithm>
#include <set>

#include "identifiers.h"
#include "regcompat/generator/analysis.h"
#include "regcompat/generator/platform_set.h"

namespace regcompat::generator {
namespace {

QemuLoadPrediction predict(const QemuLoadInput &base, const std::vector<QemuTolerance> &tolerances) {
  QemuLoadInput in = base;
  in.tolerances = tolerances;
  return predictQemuLoad(in);
}

std::string list(const std::vector<std::uint64_t> &indexes) {
  std::string out;
  for (std::uint64_t i : indexes) out += (out.empty() ? "" : ", ") + hex16(i);
  return out;
}

// What keeps the load from succeeding under every tolerance that applies.
std::vector<QemuObstacle> obstaclesOf(const QemuLoadInput &in, const QemuLoadPrediction &p,
                                      const std::string &release) {
  std::set<std::uint64_t> dest_indexes;
  for (const QemuDestRegister &d : in.destination) dest_indexes.insert(d.index);
  std::vector<std::uint64_t> source_only;
  for (const QemuRegisterValue &r : in.incoming)
    if (dest_indexes.count(r.index) == 0) source_only.push_back(r.index);
  const std::string qemu = "QEMU " + release;
  std::vector<QemuObstacle> out;
  switch (p.failed) {
    case QemuLoadCheck::None:
      break;
    case QemuLoadCheck::LengthCap:
      out.push_back({QemuObstacleKind::LengthCap, source_only,
                     qemu + " refuses a list of " + std::to_string(p.incoming_count) +
                         " registers before looking at any: its own list has " +
                         std::to_string(p.destination_count) + " (cpreg_vmstate_array_len is capped at it)",
                     "none on " + qemu + ": the source sends " +
                         std::to_string(p.incoming_count - p.destination_count) +
                         " more than it holds (" + std::to_string(source_only.size()) +
                         " it lacks); only a destination with 11.1's loader, or a backport of it, takes a "
                         "longer list"});
      break;
    case QemuLoadCheck::UnknownRegister:
      if (in.loader == QemuLoader::Capped) {
        // The merge stops at the first one; every source-only register that
        // sorts before the destination's last one would stop it.
        std::vector<std::uint64_t> blocking;
        const std::uint64_t last = in.destination.empty() ? 0 : in.destination.back().index;
        for (std::uint64_t i : source_only)
          if (i < last) blocking.push_back(i);
        out.push_back({QemuObstacleKind::RemovedRegister, blocking,
                       qemu + "'s merge fails, without a message, on a register in the stream that its own "
                              "list lacks (cpu_post_load)",
                       "none on " + qemu + ": it has no tolerances; a backport of 11.1's cpreg migration "
                                           "tolerances with ToleranceNotOnBothEnds for " + list(blocking)});
      } else {
        out.push_back({QemuObstacleKind::UntoleratedRegister, p.unknown,
                       qemu + " names each as in the incoming stream but unknown on the destination and "
                              "fails the migration",
                       "none the policy allows: no hidden or safe-to-miss entry covers it (see the machine "
                       "type's blockers), so no ToleranceNotOnBothEnds is generated"});
      }
      break;
    case QemuLoadCheck::ReadBack: {
      std::map<std::uint64_t, std::uint64_t> incoming;
      for (const QemuRegisterValue &r : in.incoming) incoming[r.index] = r.value;
      for (std::uint64_t index : p.read_back) {
        auto d = std::find_if(in.destination.begin(), in.destination.end(),
                              [&](const QemuDestRegister &x) { return x.index == index; });
        auto s = incoming.find(index);
        if (s != incoming.end()) {
          out.push_back({QemuObstacleKind::ChangedConstant, {index},
                         "a constant: the source sends " + hexValue(s->second) + ", " + qemu + " has " +
                             hexValue(d->value) + " and reads its own value back after the write",
                         "keep " + hexValue(s->second) + " in " + qemu +
                             " for this machine type (a machine compat property on the CPU); no tolerance "
                             "skips a read-back"});
        } else {
          out.push_back({QemuObstacleKind::AddedConstant, {index},
                         "a constant only " + qemu + " has: the stream does not fill its slot, which is "
                                                     "not refreshed from the CPU either, so its write does "
                                                     "not reproduce " +
                             hexValue(d->value) + " and the read-back fails",
                         "none on " + qemu + ": the source would have to send it (a tolerance only "
                                             "silences the warning)"});
        }
      }
      break;
    }
    case QemuLoadCheck::SubsectionAbort:
      out.push_back({QemuObstacleKind::SubsectionAbort, {},
                     qemu + " aborts on the subsection " + p.abort_subsection,
                     "none on " + qemu + ": the source must not send " + p.abort_subsection});
      break;
  }
  return out;
}

}  // namespace

std::string_view toString(QemuVerdictKind kind) {
  switch (kind) {
    case QemuVerdictKind::LoadsAsIs: return "loads-as-is";
    case QemuVerdictKind::LoadsUnderOwnTolerances: return "loads-under-own-tolerances";
    case QemuVerdictKind::FixedByGeneratedTolerances: return "fixed-by-generated-tolerances";
    case QemuVerdictKind::Inexpressible: return "inexpressible";
    case QemuVerdictKind::Unjudged: return "unjudged";
  }
  return "?";
}

std::string_view toString(QemuObstacleKind kind) {
  switch (kind) {
    case QemuObstacleKind::ChangedConstant: return "changed-constant";
    case QemuObstacleKind::AddedConstant: return "added-constant";
    case QemuObstacleKind::LengthCap: return "length-cap";
    case QemuObstacleKind::RemovedRegister: return "removed-register";
    case QemuObstacleKind::UntoleratedRegister: return "untolerated-register";
    case QemuObstacleKind::SubsectionAbort: return "subsection-abort";
  }
  return "?";
}

std::string_view qemuVerdictText(QemuVerdictKind kind) {
  switch (kind) {
    case QemuVerdictKind::LoadsAsIs: return "loads as is";
    case QemuVerdictKind::LoadsUnderOwnTolerances: return "loads under the release's own tolerances";
    case QemuVerdictKind::FixedByGeneratedTolerances: return "loads with the generated tolerances";
    case QemuVerdictKind::Inexpressible: return "needs what QEMU cannot express";
    case QemuVerdictKind::Unjudged: return "not judged";
  }
  return "?";
}

std::vector<std::string> qemuVerdictLines(const PlatformSet &set, const QemuEdgeVerdict &v) {
  std::vector<std::string> out;
  auto named = [&](const std::vector<std::uint64_t> &indexes) {
    std::string text;
    for (std::uint64_t i : indexes) {
      auto id = RegisterId::fromIndex(i);
      text += (text.empty() ? "" : ", ") + (id ? set.displayName(id.value()) + " " : std::string()) + hex16(i);
    }
    return text;
  };
  const std::string judge = "judged by QEMU " + v.dest_release + "'s loader (" + std::string(toString(v.loader)) + ")";
  out.push_back(v.values_modelled ? judge : judge + "; register lists only: under KVM the kernel judges values");
  if (v.kind == QemuVerdictKind::LoadsUnderOwnTolerances && !v.prediction.tolerated.empty())
    out.push_back("tolerated by the release itself: " + named(v.prediction.tolerated));
  if (v.kind == QemuVerdictKind::FixedByGeneratedTolerances)
    out.push_back("needs the generated tolerances for: " + named(v.needed_tolerances));
  for (const QemuObstacle &o : v.obstacles) {
    out.push_back(std::string(toString(o.kind)) + (o.registers.empty() ? "" : ": " + named(o.registers)));
    out.push_back("  why: " + o.why);
    out.push_back("  fix: " + o.fix);
  }
  for (const std::string &m : v.prediction.messages) out.push_back("qemu: " + m);
  return out;
}

QemuTolerance GeneratedTolerance::tolerance() const {
  if (test_value) return {id.index(), ~std::uint64_t{0}, 0, QemuToleranceKind::OnlySrcTestValue};
  return {id.index(), 0, 0, QemuToleranceKind::NotOnBothEnds};
}

std::string qemuCpuClassOf(const std::string &group) {
  const auto slash = group.find('/');
  if (group.substr(0, slash) == "kvm") return "kvm";
  return group.substr(slash + 1);
}

GeneratedTolerances generatedQemuTolerances(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  GeneratedTolerances classes;
  for (const MachineTypeResult &m : analysis.machine_types) {
    for (const auto *entries : {&m.table.hidden, &m.table.safe_missing}) {
      for (const TableEntry &e : *entries) {
        // The classes whose platforms disagree on having the register.
        std::set<std::string> where;
        for (const std::string &g : m.graph.groups(set)) {
          bool with = false, without = false;
          for (std::size_t p : m.graph.group(set, g)) (set.platforms[p].find(e.id.index()) ? with : without) = true;
          if (with && without) where.insert(qemuCpuClassOf(g));
        }
        for (const std::string &c : where) {
          GeneratedTolerance &t = classes[c][e.id];
          t.id = e.id;
          // A firmware feature bitmap is 0 when the guest was offered none of
          // its services: only then may it arrive for a destination without it.
          t.test_value = e.id.family() == Family::Arm64FirmwareBitmap;
          t.reasons.push_back(m.graph.name() + ": " + e.reason);
        }
      }
    }
  }
  return classes;
}

std::vector<QemuTolerance> ownQemuTolerances(QemuLoader loader, bool kvm) {
  if (!kvm) return builtinTcgTolerances(loader);
  return builtinKvmHostTolerances(loader);
}

QemuEdgeVerdict judgeOnQemu(const PlatformSet &set, const Platform &source, const Platform &dest,
                            const GeneratedTolerances &generated) {
  QemuEdgeVerdict v;
  v.dest_release = set.products[dest.product]->hypervisor;
  auto loader = qemuLoaderOf(v.dest_release);
  if (!loader) {
    v.unjudged = loader.error();
    return v;
  }
  v.loader = loader.value();
  const bool kvm = dest.accelerator == "kvm";
  // Under KVM the kernel, not QEMU, decides whether a value may be written
  // (KVM_SET_ONE_REG); that is not modelled, so only the lists are judged.
  v.values_modelled = !kvm;
  QemuLoadInput in;
  in.loader = v.loader;
  for (const runtime::LocalRegister &r : source.registers) in.incoming.push_back({r.index, r.value});
  for (const runtime::LocalRegister &r : dest.registers) in.destination.push_back({r.index, r.value, !kvm && r.is_constant});

  v.prediction = predict(in, {});
  if (v.prediction.loads) {
    v.kind = QemuVerdictKind::LoadsAsIs;
    return v;
  }
  const std::vector<QemuTolerance> own = ownQemuTolerances(v.loader, kvm);
  if (!own.empty()) {
    v.prediction = predict(in, own);
    if (v.prediction.loads) {
      v.kind = QemuVerdictKind::LoadsUnderOwnTolerances;
      return v;
    }
  }
  if (v.loader == QemuLoader::Tolerant) {
    std::vector<QemuTolerance> all = own;
    auto cls = generated.find(qemuCpuClassOf(dest.group()));
    if (cls != generated.end())
      for (const auto &[id, t] : cls->second) all.push_back(t.tolerance());
    QemuLoadPrediction with = predict(in, all);
    if (with.loads) {
      std::set<std::uint64_t> by_own;
      for (const QemuTolerance &t : own) by_own.insert(t.index);
      for (std::uint64_t i : with.tolerated)
        if (by_own.count(i) == 0) v.needed_tolerances.push_back(i);
      v.prediction = std::move(with);
      v.kind = QemuVerdictKind::FixedByGeneratedTolerances;
      return v;
    }
    v.prediction = std::move(with);
  }
  v.kind = QemuVerdictKind::Inexpressible;
  v.obstacles = obstaclesOf(in, v.prediction, v.dest_release);
  return v;
}

}  // namespace regcompat::generator
