// A policy bound to a database: every platform the policy supports, with the
// register list it migrates, and the policy's register annotations resolved
// to indexes.
//
// A platform is (product release, kernel release, accelerator, CPU model).
// Its register list comes from the accelerator's component (POLICY.md,
// "Platforms"): under tcg QEMU's set qemu/<hypervisor>/<arch>/tcg/<model>,
// under kvm the kernel's set linux/<kernel>/<arch>/kvm/<profile>.
//
// One binary presents different values under different machine types (the
// machine's compat properties: QEMU 10.x `max` has QARMA5 under virt-7.2,
// QARMA3 under virt-10.0), and a set probed from a real binary says which:
// qemu/<hypervisor>/<arch>/tcg/<model>@<machine>. Where the database holds
// such sets for a product, its TCG platforms are split per machine type (the
// platform stands for that machine type only, "...@virt-10.0"); a machine
// type without its own set uses the machine-independent one.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/db/diagnostic.h"
#include "regcompat/generator/policy.h"
#include "regcompat/register_id.h"
#include "regcompat/runtime/register_list.h"

namespace regcompat::generator {

struct Platform {
  std::string id;           // "10.0.13/6.12/tcg/max"
  std::size_t product = 0;  // rank in PlatformSet::products (0 = oldest)
  std::string kernel;
  std::string accelerator;
  std::string cpu_model;
  // Empty: the platform serves every machine type; else only this one.
  std::string machine_type;
  const db::RegisterSet *set = nullptr;
  // Where is_constant came from when the set itself marks no constant (a
  // probed set: a stream does not say which registers are constants): the
  // newest older QEMU release's source extraction of the same CPU model.
  const db::RegisterSet *constness_from = nullptr;
  runtime::LocalRegisterList registers;  // toLocalRegisters(*set), sorted by index

  // "tcg/max": platforms migrate only within their group.
  std::string group() const { return accelerator + "/" + cpu_model; }
  // Where the register list comes from: "qemu" (tcg) or "linux" (kvm) ...
  std::string_view component() const { return componentOf(accelerator); }
  // ... and which release of it: the hypervisor or the kernel release.
  const std::string &componentRelease(const std::vector<const Product *> &products) const;

  const runtime::LocalRegister *find(std::uint64_t index) const;  // binary search
};

struct PlatformSet {
  const Policy *policy = nullptr;
  const db::Database *database = nullptr;
  std::vector<const Product *> products;  // by release, oldest first
  std::vector<Platform> platforms;        // by (product, kernel, accelerator, model)
  // Every resolved register annotation (a name may stand for several indexes,
  // e.g. the AArch64 and the AArch32 view of one register).
  std::map<RegisterId, const RegisterAnnotation *> annotations;

  const RegisterAnnotation *annotation(RegisterId id) const;
  // The catalogue's or the ABI's name, else the generic text form.
  std::string displayName(RegisterId id) const;
  // The name when one is known (for compat files, which only take names).
  std::optional<std::string> knownName(RegisterId id) const;
  const std::string &componentRelease(const Platform &p) const {
    return p.componentRelease(products);
  }
  std::optional<std::size_t> productRank(std::string_view release) const;
};

// Checks the policy against the database, with diagnostics at the policy's
// positions: the architecture and every product's releases exist, every
// platform's register set exists, every annotated register resolves. The
// result points into `policy` and `database`: keep both alive.
db::Outcome<PlatformSet> bindPolicy(const Policy &policy, const db::Database &database);

// Which of a QEMU CPU model's registers are constants (ARM_CP_CONST), for a
// set that does not say (one probed from a real binary or stream): the
// source extraction of the same model, `arch` and TCG at `release`, else the
// newest older release's (an ID register stays constant from one release to
// the next). Null when the database has none. POLICY.md states the rule.
const db::RegisterSet *constnessSourceOf(const db::Database &database, std::string_view arch,
                                         const std::string &release, const std::string &cpu_model);

} // namespace regcompat::generator
