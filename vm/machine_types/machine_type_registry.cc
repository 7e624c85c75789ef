#include "machine_type_registry.h"

#include <algorithm>
#include <array>
#include <set>

namespace regvm {

using regcompat::fail;
using regcompat::Result;
using regcompat::runtime::CompatTable;
using regcompat::runtime::CompatTableSpec;

std::string joinChoices(const std::vector<std::string> &choices) {
  std::string out;
  for (const auto &c : choices) out += (out.empty() ? "" : ", ") + c;
  return out.empty() ? "(none)" : out;
}

namespace {

// "10.2.2/6.12.107/tcg/max" -> its four fields; ids come from the generator,
// which writes exactly four.
std::array<std::string, 4> splitPlatformId(const std::string &id) {
  std::array<std::string, 4> fields;
  std::size_t field = 0;
  for (char c : id) {
    if (c == '/' && field < 3) {
      ++field;
      continue;
    }
    fields[field] += c;
  }
  return fields;
}

} // namespace

MachineTypeRegistry::MachineTypeRegistry(std::vector<GeneratedCatalog> catalogs)
    : catalogs_(std::move(catalogs)) {}

const MachineTypeRegistry &MachineTypeRegistry::builtin() {
  static const MachineTypeRegistry registry(
      std::vector<GeneratedCatalog>{generatedArm64Catalog(), generatedX86_64Catalog()});
  return registry;
}

std::vector<std::string> MachineTypeRegistry::architectures() const {
  std::vector<std::string> out;
  for (const auto &c : catalogs_) out.push_back(c.arch);
  return out;
}

const GeneratedCatalog *MachineTypeRegistry::catalog(std::string_view arch) const {
  for (const auto &c : catalogs_)
    if (c.arch == arch) return &c;
  return nullptr;
}

Result<const GeneratedCatalog *> MachineTypeRegistry::requireCatalog(std::string_view arch) const {
  if (const auto *c = catalog(arch)) return c;
  return fail("unknown architecture '" + std::string(arch) + "'; valid: " + joinChoices(architectures()));
}

std::vector<std::string> MachineTypeRegistry::machineTypes(std::string_view arch) const {
  std::vector<std::string> out;
  if (const auto *c = catalog(arch))
    for (const auto &t : c->tables) out.push_back(t.machine_type);
  return out;
}

std::vector<std::string> MachineTypeRegistry::platformIds(std::string_view arch) const {
  std::vector<std::string> out;
  if (const auto *c = catalog(arch))
    for (const auto &p : c->platforms) out.push_back(p.id);
  return out;
}

Result<const CompatTableSpec *> MachineTypeRegistry::requireMachine(std::string_view arch,
                                                                    std::string_view machine) const {
  auto c = requireCatalog(arch);
  if (!c) return fail(c.error());
  for (const auto &t : (*c)->tables)
    if (t.machine_type == machine) return &t;
  return fail("unknown machine type '" + std::string(machine) + "' for " + std::string(arch) +
              "; valid: " + joinChoices(machineTypes(arch)));
}

Result<CompatTable> MachineTypeRegistry::compatTable(std::string_view arch,
                                                     std::string_view machine) const {
  auto spec = requireMachine(arch, machine);
  if (!spec) return fail(spec.error());
  auto table = CompatTable::create(**spec);
  if (!table)
    return fail("machine type " + std::string(machine) + ": generated compat table is invalid: " +
                table.error());
  return table;
}

Result<CompatTable> MachineTypeRegistry::emptyTable(std::string_view arch,
                                                    std::string_view machine) const {
  auto spec = requireMachine(arch, machine);
  if (!spec) return fail(spec.error());
  return CompatTable((*spec)->machine_type);
}

Result<Platform> MachineTypeRegistry::platform(std::string_view arch,
                                               const PlatformQuery &query) const {
  auto c = requireCatalog(arch);
  if (!c) return fail(c.error());
  static constexpr std::array<const char *, 4> kOptions = {"--release", "--kernel", "--accel",
                                                           "--cpu"};
  const std::array<const std::string *, 4> wanted = {&query.release, &query.kernel, &query.accel,
                                                     &query.cpu};
  // Narrow field by field, so that the error names the first field whose
  // value does not exist (given the fields before it) and its valid values.
  std::vector<const GeneratedPlatform *> candidates;
  for (const auto &p : (*c)->platforms) candidates.push_back(&p);
  for (std::size_t f = 0; f < 4; ++f) {
    std::set<std::string> values;
    std::vector<const GeneratedPlatform *> kept;
    for (const auto *p : candidates) {
      const auto fields = splitPlatformId(p->id);
      values.insert(fields[f]);
      if (wanted[f]->empty() || fields[f] == *wanted[f]) kept.push_back(p);
    }
    std::string context;
    for (std::size_t g = 0; g < f; ++g)
      if (!wanted[g]->empty()) context += std::string(" ") + kOptions[g] + " " + *wanted[g];
    if (kept.empty())
      return fail("no " + std::string(arch) + " register set for " + kOptions[f] + " " + *wanted[f] +
                  (context.empty() ? "" : " with" + context) + "; valid " + kOptions[f] + ": " +
                  joinChoices({values.begin(), values.end()}));
    if (wanted[f]->empty() && values.size() > 1)
      return fail(std::string(kOptions[f]) + " is required for " + std::string(arch) +
                  (context.empty() ? "" : " with" + context) + "; valid " + kOptions[f] + ": " +
                  joinChoices({values.begin(), values.end()}));
    candidates = std::move(kept);
  }
  const GeneratedPlatform *p = candidates.front();
  const auto fields = splitPlatformId(p->id);
  return Platform{p->id, fields[0], fields[1], fields[2], fields[3], p->registers};
}

} // namespace regvm
