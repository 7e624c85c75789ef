// QemuLoadModel: QEMU's Arm CPU section loader, per loader generation. Each
// rule names where QEMU implements it; docs/qemu-cpreg-migration.md words
// them and release/real-qemu-matrix confirms each on Debian's real binaries.
#include "regcompat/generator/qemu_load_model.h"

#include "regcompat/db/release.h"
#include "regcompat/db/vocabulary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace regcompat::generator {
namespace {

std::string cpregName(std::uint64_t index) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "system register 0x%x", qemuCpregId(index));
  return buf;
}

const QemuTolerance *findTolerance(const std::vector<QemuTolerance> &all, std::uint64_t index,
                                   QemuToleranceKind kind) {
  for (const QemuTolerance &t : all)
    if (t.index == index && t.kind == kind) return &t;
  return nullptr;
}

// Tolerant loaders, target/arm/machine.c handle_cpreg_only_in_incoming_stream():
// true when the register fails the load.
bool onlyInStream(const QemuLoadInput &in, const QemuRegisterValue &r, QemuLoadPrediction &out) {
  const QemuTolerance *both = findTolerance(in.tolerances, r.index, QemuToleranceKind::NotOnBothEnds);
  const QemuTolerance *test = findTolerance(in.tolerances, r.index, QemuToleranceKind::OnlySrcTestValue);
  if (both != nullptr || (test != nullptr && (r.value & test->mask) == test->value)) {
    out.tolerated.push_back(r.index);
    return false;
  }
  out.unknown.push_back(r.index);
  out.messages.push_back("handle_cpreg_only_in_incoming_stream: " + cpregName(r.index) +
                         " in the incoming stream but unknown on the destination: fail migration");
  return true;
}

// handle_cpreg_missing_in_incoming_stream(): never fails; warns unless a
// NotOnBothEnds tolerance covers the register.
void missingInStream(const QemuLoadInput &in, const QemuDestRegister &d, QemuLoadPrediction &out) {
  out.missing.push_back(d.index);
  if (findTolerance(in.tolerances, d.index, QemuToleranceKind::NotOnBothEnds) != nullptr) return;
  out.warned.push_back(d.index);
  out.messages.push_back("warning: handle_cpreg_missing_in_incoming_stream: " + cpregName(d.index) +
                         " expected by the destination but not in the incoming stream: skip it");
}

}  // namespace

std::uint32_t qemuCpregId(std::uint64_t kvm_index) {
  // target/arm/kvm-consts.h kvm_to_cpreg_id(): the low 32 bits, plus the
  // AArch64 flag (bit 28) for arm64 ids, or for AArch32 ids the 64-bit flag
  // (bit 15) and the non-secure flag (bit 29).
  auto id = static_cast<std::uint32_t>(kvm_index);
  if ((kvm_index & 0xff00000000000000ull) == 0x6000000000000000ull) {
    id |= 1u << 28;
  } else {
    if ((kvm_index & 0x00f0000000000000ull) == 0x0030000000000000ull) id |= 1u << 15;
    id |= 1u << 29;
  }
  return id;
}

Result<QemuLoader> qemuLoaderOf(std::string_view release) {
  // The generation boundaries, as release comparisons (db::compareVersions).
  using db::compareVersions;
  if (db::checkVersion(release) || release.empty() || release.front() < '0' || release.front() > '9' ||
      release.find('.') == std::string_view::npos)
    return fail("'" + std::string(release) + "' is not a QEMU release like 10.0.13");
  if (compareVersions(release, "7.2") < 0)
    return fail("QEMU " + std::string(release) + " predates the oldest loader modelled (7.2)");
  if (compareVersions(release, "11") < 0) return QemuLoader::Capped;
  if (compareVersions(release, "11.1") < 0)
    return fail("QEMU 11.0 changed the loader in steps (allocated arrays, unknown-register detection) "
                "and no 11.0 binary was available to confirm its rules on; use 10.2 or 11.1 rules explicitly");
  return QemuLoader::Tolerant;
}

std::string_view toString(QemuLoader loader) {
  return loader == QemuLoader::Capped ? "7.2-10.2 (length cap, silent merge)" : "11.1+ (tolerances)";
}

std::string_view toString(QemuLoadCheck check) {
  switch (check) {
    case QemuLoadCheck::None: return "loads";
    case QemuLoadCheck::LengthCap: return "length-cap";
    case QemuLoadCheck::UnknownRegister: return "unknown-register";
    case QemuLoadCheck::ReadBack: return "read-back";
    case QemuLoadCheck::SubsectionAbort: return "subsection-abort";
  }
  return "?";
}

std::vector<QemuTolerance> builtinTcgTolerances(QemuLoader loader) {
  // target/arm/helper.c (11.1): every ARM_FEATURE_V7 CPU tolerates the bogus
  // AArch32 DBGDTRTX encoding (cp14, opc1 3, CRn 0, CRm 5, opc2 0) that QEMU
  // 10.0.0-10.0.2 and 10.1-11.0 sent.
  if (loader == QemuLoader::Tolerant)
    return {QemuTolerance{0x40200000200e0298ull, 0, 0, QemuToleranceKind::NotOnBothEnds}};
  return {};
}

std::vector<QemuTolerance> builtinKvmHostTolerances(QemuLoader loader) {
  if (loader != QemuLoader::Tolerant) return {};
  return {
      QemuTolerance{0x603000000013c103ull, 0, 0, QemuToleranceKind::NotOnBothEnds},  // TCR2_EL1
      QemuTolerance{0x603000000013c512ull, 0, 0, QemuToleranceKind::NotOnBothEnds},  // PIRE0_EL1
      QemuTolerance{0x603000000013c513ull, 0, 0, QemuToleranceKind::NotOnBothEnds},  // PIR_EL1
      // KVM_REG_ARM_VENDOR_HYP_BMAP_2: only when 0 (no vendor service offered).
      QemuTolerance{0x6030000000160003ull, ~0ull, 0, QemuToleranceKind::OnlySrcTestValue},
  };
}

QemuLoadPrediction predictQemuLoad(const QemuLoadInput &in) {
  QemuLoadPrediction out;
  out.incoming_count = static_cast<std::uint32_t>(in.incoming.size());
  out.destination_count = static_cast<std::uint32_t>(in.destination.size());
  const auto &inc = in.incoming;
  const auto &dst = in.destination;

  // The cpu section's fields load before its subsections and before the
  // post-load hook: the length field is checked first.
  if (in.loader == QemuLoader::Capped && inc.size() > dst.size()) {
    // migration/vmstate-types.c get_int32_le() (VMSTATE_INT32_POSITIVE_LE).
    out.loads = false;
    out.failed = QemuLoadCheck::LengthCap;
    out.messages.push_back("Invalid value " + std::to_string(inc.size()) + " expecting positive value <= " +
                           std::to_string(dst.size()));
    out.messages.push_back("Failed to load cpu:cpreg_vmstate_array_len");
    return out;
  }

  // Subsections load after the fields and before cpu_post_load. 10.x creates
  // cpu->wfxt_timer only for CPUs with FEAT_WFxT (target/arm/cpu.c realize)
  // and sends cpu/wfxt-timer only when it exists (machine.c
  // wfxt_timer_needed); loading that subsection into a CPU without the timer
  // hits vmstate.c's assertion `first_elem || !n_elems || !size` and aborts.
  if (in.loader == QemuLoader::Capped && in.destination_subsections) {
    const std::set<std::string> own(in.destination_subsections->begin(), in.destination_subsections->end());
    for (const std::string &s : in.incoming_subsections) {
      if (s == "cpu/wfxt-timer" && own.count(s) == 0) {
        out.loads = false;
        out.failed = QemuLoadCheck::SubsectionAbort;
        out.abort_subsection = s;
        out.messages.push_back("migration/vmstate.c: vmstate_load_state: Assertion `first_elem || !n_elems || "
                               "!size' failed.");
        return out;
      }
    }
  }

  // cpu_post_load(): the merge of the two sorted lists. The value slot of a
  // register only the destination has is not refreshed from the CPU before
  // the load (no write_cpustate_to_list on an incoming CPU), so its write
  // does not reproduce a constant: it fails read-back below.
  std::map<std::uint64_t, std::uint64_t> written;  // index -> value written
  std::set<std::uint64_t> stale;                  // destination-only slots
  bool fail = false;
  std::size_t i = 0, v = 0;
  if (in.loader == QemuLoader::Capped) {
    for (; i < dst.size() && v < inc.size(); ++i) {
      if (inc[v].index > dst[i].index) {
        out.missing.push_back(dst[i].index);
        stale.insert(dst[i].index);
        continue;
      }
      if (inc[v].index < dst[i].index) {
        // "register in their list but not ours: fail migration", silently.
        out.unknown.push_back(inc[v].index);
        out.loads = false;
        out.failed = QemuLoadCheck::UnknownRegister;
        return out;
      }
      written[dst[i].index] = inc[v].value;
      ++v;
    }
    for (; i < dst.size(); ++i) {
      out.missing.push_back(dst[i].index);
      stale.insert(dst[i].index);
    }
    for (; v < inc.size(); ++v) out.ignored_tail.push_back(inc[v].index);
  } else {
    while (i < dst.size() && v < inc.size()) {
      if (inc[v].index > dst[i].index) {
        missingInStream(in, dst[i], out);
        stale.insert(dst[i].index);
        ++i;
        continue;
      }
      if (inc[v].index < dst[i].index) {
        fail = onlyInStream(in, inc[v], out);  // assigned, not OR-ed (QEMU's loop)
        ++v;
        continue;
      }
      written[dst[i].index] = inc[v].value;
      ++i;
      ++v;
    }
    for (; i < dst.size(); ++i) {
      missingInStream(in, dst[i], out);
      stale.insert(dst[i].index);
    }
    for (; v < inc.size(); ++v) fail = onlyInStream(in, inc[v], out);
    if (fail) {
      out.loads = false;
      out.failed = QemuLoadCheck::UnknownRegister;
      return out;
    }
    out.flag_overwritten = !out.unknown.empty();
  }

  // write_list_to_cpustate() (target/arm/helper.c), TCG: each value is
  // written and read back; a constant ignores the write.
  for (const QemuDestRegister &d : dst) {
    if (!d.constant) continue;
    if (stale.count(d.index) != 0) {
      out.read_back.push_back(d.index);
      continue;
    }
    auto w = written.find(d.index);
    if (w != written.end() && w->second != d.value) out.read_back.push_back(d.index);
  }
  if (!out.read_back.empty()) {
    out.loads = false;
    out.failed = QemuLoadCheck::ReadBack;
  }
  return out;
}

}  // namespace regcompat::generator
