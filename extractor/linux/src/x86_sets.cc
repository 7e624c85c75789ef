// x86 MSR extractions as database register sets; see linux_sets.h.
#include <map>

#include "regcompat/db/vocabulary.h"
#include "regcompat/linux/linux_sets.h"
#include "regcompat/register_id.h"

namespace regcompat::kernel {

std::vector<db::RegisterSet> x86RegisterSets(const X86MsrExtraction &extraction) {
  std::vector<db::RegisterSet> sets;
  for (const X86Profile &profile : x86Profiles()) {
    const std::vector<X86Msr> &list = profile.feature_list ? extraction.feature_list : extraction.index_list;
    auto host = [&profile](const std::string &atom) -> std::optional<bool> {
      if (profile.false_atoms.count(atom) != 0) return false;
      return std::nullopt;
    };
    db::RegisterSet set;
    set.key = db::SetKey{"linux", extraction.release, "x86_64", "kvm", profile.name};
    std::size_t conditional = 0;
    std::set<std::string> atoms;
    for (const X86Msr *m : extraction.listFor(list, host, /*unknown_atoms=*/true)) {
      db::RegisterEntry e;
      e.id = *RegisterId::encode(X86MsrFields{m->index});  // every 32-bit MSR number encodes
      if (!db::checkRegisterName(m->name)) e.name = m->name;
      e.provenance = db::Provenance{db::Provenance::Kind::Source, m->where};
      if (db::checkProvenance(e.provenance)) e.provenance.where = m->where + ":1";
      if (!set.insert(std::move(e))) continue;  // listed twice (msrs_to_save and emulated_msrs)
      if (!m->condition.isTrue()) {
        ++conditional;
        auto a = m->condition.atoms();
        atoms.insert(a.begin(), a.end());
      }
    }
    std::string what = profile.feature_list ? "KVM_GET_MSR_FEATURE_INDEX_LIST" : "KVM_GET_MSR_INDEX_LIST";
    set.description = what + " candidates of " + extraction.init_function + "() in arch/x86/kvm/x86.c" +
                      (profile.false_atoms.empty() ? std::string(" (every host capability present)") : "");
    for (const std::string &a : profile.false_atoms) set.description += " with " + a + " false";
    set.description += "; " + std::to_string(conditional) + " of " + std::to_string(set.registers.size()) +
                       " depend on the host";
    if (!atoms.empty()) {
      set.description += " (";
      bool first = true;
      for (const std::string &a : atoms) {
        set.description += (first ? "" : ", ") + a;
        first = false;
      }
      set.description += ")";
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace regcompat::kernel
