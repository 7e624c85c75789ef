#include "regcompat/generator/platform_set.h"

#include <algorithm>

#include "regcompat/db/release.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/generator/compat_conversion.h"

namespace regcompat::generator {
namespace {

db::Diagnostic at(const Policy &policy, SourcePosition p, std::string message) {
  return db::Diagnostic{policy.file, p.line, p.column, std::move(message)};
}

// A register named in the policy: a hex index or text form first, else every
// catalogued register of that name the policy's architecture can hold, else
// the kernel-ABI name.
std::vector<RegisterId> resolveRegister(const db::Database &database, std::string_view arch,
                                        std::string_view text, std::string &why) {
  std::vector<RegisterId> out;
  if (auto parsed = RegisterId::parse(text)) {
    if (!db::setArchitectureHolds(arch, parsed.value())) {
      why = "register " + std::string(text) + " (" + parsed->hex() +
            ") does not belong to architecture " + std::string(arch);
      return {};
    }
    return {parsed.value()};
  }
  for (const db::CatalogueEntry *entry : database.catalogue.findByName(text))
    if (db::setArchitectureHolds(arch, entry->id)) out.push_back(entry->id);
  if (out.empty()) {
    if (auto known = wellKnownByName(text); known && db::setArchitectureHolds(arch, *known))
      out.push_back(*known);
  }
  if (out.empty())
    why = "unknown register '" + std::string(text) + "': not a register index or text form, and "
          "no register of architecture " + std::string(arch) + " has this name in the "
          "database's catalogue";
  std::sort(out.begin(), out.end());
  return out;
}

bool marksConstants(const db::RegisterSet &set) {
  return std::any_of(set.registers.begin(), set.registers.end(),
                     [](const db::RegisterEntry &e) { return e.hasFlag("const"); });
}

// A set probed from a real binary marks no constant: take them from the
// source extraction (constnessSourceOf); a register that set lacks is taken
// as writable.
void applyInheritedConstness(const db::Database &database, const std::string &release, Platform &platform) {
  if (marksConstants(*platform.set)) return;
  const db::RegisterSet *best = constnessSourceOf(database, platform.set->key.arch, release, platform.cpu_model);
  if (best == nullptr) return;
  platform.constness_from = best;
  for (runtime::LocalRegister &r : platform.registers) {
    auto e = std::find_if(best->registers.begin(), best->registers.end(),
                          [&](const db::RegisterEntry &x) { return x.id.index() == r.index; });
    r.is_constant = e != best->registers.end() && e->hasFlag("const");
  }
}

} // namespace

const db::RegisterSet *constnessSourceOf(const db::Database &database, std::string_view arch,
                                         const std::string &release, const std::string &cpu_model) {
  const db::RegisterSet *best = nullptr;
  for (const db::RegisterSet &s : database.sets) {
    if (s.key.component != "qemu" || s.key.arch != arch || s.key.accelerator != "tcg" ||
        s.key.profile != cpu_model || db::compareVersions(s.key.release, release) > 0 || !marksConstants(s))
      continue;
    if (best == nullptr || db::compareVersions(s.key.release, best->key.release) > 0) best = &s;
  }
  return best;
}

const std::string &Platform::componentRelease(const std::vector<const Product *> &products) const {
  return accelerator == "kvm" ? kernel : products[product]->hypervisor;
}

const runtime::LocalRegister *Platform::find(std::uint64_t index) const {
  auto it = std::lower_bound(registers.begin(), registers.end(), index,
                             [](const runtime::LocalRegister &r, std::uint64_t i) { return r.index < i; });
  return it != registers.end() && it->index == index ? &*it : nullptr;
}

const RegisterAnnotation *PlatformSet::annotation(RegisterId id) const {
  auto it = annotations.find(id);
  return it == annotations.end() ? nullptr : it->second;
}

std::string PlatformSet::displayName(RegisterId id) const { return database->displayName(id); }

std::optional<std::string> PlatformSet::knownName(RegisterId id) const {
  auto name = database->nameOf(id);
  if (name && db::checkRegisterName(*name)) return std::nullopt;  // not usable as a name
  return name;
}

std::optional<std::size_t> PlatformSet::productRank(std::string_view release) const {
  for (std::size_t i = 0; i < products.size(); ++i)
    if (products[i]->release == release) return i;
  return std::nullopt;
}

db::Outcome<PlatformSet> bindPolicy(const Policy &policy, const db::Database &database) {
  std::vector<db::Diagnostic> diagnostics;
  PlatformSet set;
  set.policy = &policy;
  set.database = &database;
  for (const Product &p : policy.products) set.products.push_back(&p);
  std::stable_sort(set.products.begin(), set.products.end(), [](const Product *a, const Product *b) {
    return db::compareVersions(a->release, b->release) < 0;
  });

  bool uses_tcg = false, uses_kvm = false;
  for (const auto &a : policy.accelerators) {
    uses_tcg = uses_tcg || a.name == "tcg";
    uses_kvm = uses_kvm || a.name == "kvm";
  }
  for (const Product *p : set.products) {
    if (uses_tcg && !database.findRelease("qemu", p->hypervisor))
      diagnostics.push_back(at(policy, p->position,
                               "product " + p->release + ": the database has no qemu release " +
                                   p->hypervisor));
    if (uses_kvm) {
      for (std::size_t k = 0; k < p->kernels.size(); ++k)
        if (!database.findRelease("linux", p->kernels[k]))
          diagnostics.push_back(at(policy, p->kernel_positions[k],
                                   "product " + p->release + ": the database has no linux release " +
                                       p->kernels[k]));
    }
  }

  for (std::size_t rank = 0; rank < set.products.size(); ++rank) {
    const Product &p = *set.products[rank];
    std::vector<std::string> kernels = p.kernels;
    std::sort(kernels.begin(), kernels.end(),
              [](const std::string &a, const std::string &b) { return db::compareVersions(a, b) < 0; });
    for (const std::string &kernel : kernels) {
      std::vector<const AcceleratorSupport *> accels;
      for (const auto &a : policy.accelerators) accels.push_back(&a);
      std::sort(accels.begin(), accels.end(),
                [](const auto *a, const auto *b) { return a->name < b->name; });
      for (const AcceleratorSupport *a : accels) {
        std::vector<std::size_t> order(a->cpu_models.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(),
                  [&](std::size_t x, std::size_t y) { return a->cpu_models[x] < a->cpu_models[y]; });
        for (std::size_t m : order) {
          const std::string &model = a->cpu_models[m];
          db::SetKey key{std::string(componentOf(a->name)),
                         a->name == "kvm" ? kernel : p.hypervisor, policy.architecture, a->name,
                         model};
          const db::RegisterSet *rs = database.findSet(key);
          // Machine-type-specific sets (TCG: QEMU's), for the machine types
          // this product runs.
          std::vector<std::pair<const MachineTypeSpec *, const db::RegisterSet *>> per_machine;
          bool any_specific = false;
          if (a->name == "tcg") {
            for (const MachineTypeSpec &mt : policy.machine_types) {
              if (db::compareVersions(p.release, mt.introduced) < 0) continue;
              db::SetKey specific = key;
              specific.profile = model + "@" + mt.name;
              const db::RegisterSet *ms = database.findSet(specific);
              any_specific = any_specific || ms != nullptr;
              per_machine.emplace_back(&mt, ms ? ms : rs);
            }
          }
          const bool kernel_independent = a->name == "tcg";
          auto report_missing = [&](const std::string &message) {
            // Report each missing set once, at the CPU model.
            if (!kernel_independent || kernel == kernels.front())
              diagnostics.push_back(at(policy, a->model_positions[m], message));
          };
          auto add = [&](const db::RegisterSet *from, const std::string &machine_type) {
            Platform platform;
            platform.id = p.release + "/" + kernel + "/" + a->name + "/" + model +
                          (machine_type.empty() ? "" : "@" + machine_type);
            platform.product = rank;
            platform.kernel = kernel;
            platform.accelerator = a->name;
            platform.cpu_model = model;
            platform.machine_type = machine_type;
            platform.set = from;
            platform.registers = toLocalRegisters(*from);
            std::sort(platform.registers.begin(), platform.registers.end(),
                      [](const auto &x, const auto &y) { return x.index < y.index; });
            if (a->name == "tcg") applyInheritedConstness(database, p.hypervisor, platform);
            set.platforms.push_back(std::move(platform));
          };
          if (any_specific) {
            for (const auto &[mt, from] : per_machine) {
              if (from == nullptr) {
                db::SetKey specific = key;
                specific.profile = model + "@" + mt->name;
                report_missing("product " + p.release + " with " + a->name + " CPU model " + model +
                               " under machine type " + mt->name + ": the database has neither " +
                               specific.toString() + " nor " + key.toString());
                continue;
              }
              add(from, mt->name);
            }
            continue;
          }
          if (!rs) {
            report_missing("product " + p.release + " on linux " + kernel + " with " + a->name + " CPU model " +
                           model + ": the database has no register set " + key.toString());
            continue;
          }
          add(rs, "");
        }
      }
    }
  }

  for (const RegisterAnnotation &a : policy.registers) {
    std::string why;
    auto ids = resolveRegister(database, policy.architecture, a.register_text, why);
    if (ids.empty()) {
      diagnostics.push_back(at(policy, a.position, why));
      continue;
    }
    for (RegisterId id : ids) {
      auto [it, inserted] = set.annotations.emplace(id, &a);
      if (!inserted)
        diagnostics.push_back(at(policy, a.position,
                                 "register " + a.register_text + " (" + id.hex() +
                                     ") is already annotated as " + it->second->register_text +
                                     " (line " + std::to_string(it->second->position.line) + ")"));
    }
  }

  if (!diagnostics.empty()) return db::Outcome<PlatformSet>::failure(std::move(diagnostics));
  return set;
}

} // namespace regcompat::generator
