#include <algorithm>

#include "regcompat/db/vocabulary.h"
#include "regcompat/extract/qemu_db.h"

namespace regcompat::extract::qemu {

std::vector<db::RegisterSet> toRegisterSets(const QemuExtraction &extraction,
                                            std::vector<Diagnostic> *problems) {
  std::vector<db::RegisterSet> out;
  auto known = db::knownFlags();
  for (const CpuModelSet &m : extraction.models) {
    db::RegisterSet set;
    // The set's architecture is the QEMU target's (aarch64-softmmu), not the
    // model's: in qemu-system-aarch64 an AArch32-only model (cortex-a15) also
    // puts AArch64-format ids on the stream for its STATE_BOTH registers
    // (measured on Debian's 7.2: 90 of its 197 registers), which an arm32 set
    // could not hold.
    set.key = {"qemu", extraction.release, "arm64", "tcg", m.model};
    set.description = "QEMU " + extraction.release + " TCG " + m.model +
                      ": CPU registers on the migration stream (" + m.init_function + ")";
    for (const CpuRegister &r : m.registers) {
      if (!r.migrated) continue;
      auto id = RegisterId::fromIndex(r.index);
      if (!id) {
        if (problems) problems->push_back({r.where, r.name + ": " + id.error()});
        continue;
      }
      db::RegisterEntry e;
      e.id = id.value();
      e.name = r.name;
      for (const auto &f : r.flags)
        if (std::find(known.begin(), known.end(), f) != known.end()) e.flags.push_back(f);
      std::sort(e.flags.begin(), e.flags.end());
      if (r.is_const) e.value = r.value;
      e.provenance = {db::Provenance::Kind::Source, r.where};
      set.insert(std::move(e));
    }
    out.push_back(std::move(set));
  }
  return out;
}

}  // namespace regcompat::extract::qemu
