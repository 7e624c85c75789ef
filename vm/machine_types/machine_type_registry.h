// regvm's versioned machine types and release profiles, from the headers
// `regcompat gen` generates at build time (vm/machine_types/meson.build):
//   * a machine type (virt-10.0, pc-10.2) is a compat table, turned into a
//     runtime::CompatTable (validated by CompatTable::create);
//   * a platform "<release>/<kernel>/<accel>/<cpu>" (10.2.2/6.12.107/tcg/max)
//     is a register set: the CPU's register list with reset values and
//     constness, which a back end builds its registers from.
// Every error lists the valid choices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "generated_catalog.h"
#include "regcompat/result.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/register_list.h"

namespace regvm {

// One field per regvm option (--release, --kernel, --accel, --cpu); an empty
// field matches any value, as long as the match is unique.
struct PlatformQuery {
  std::string release;
  std::string kernel;
  std::string accel;
  std::string cpu;
};

struct Platform {
  std::string id;  // "10.2.2/6.12.107/tcg/max"
  std::string release, kernel, accel, cpu;
  regcompat::runtime::LocalRegisterList registers;
};

class MachineTypeRegistry {
 public:
  explicit MachineTypeRegistry(std::vector<GeneratedCatalog> catalogs);
  // The generated tables of every architecture regvm knows.
  static const MachineTypeRegistry &builtin();

  std::vector<std::string> architectures() const;
  // Newest first, as generated.
  std::vector<std::string> machineTypes(std::string_view arch) const;
  std::vector<std::string> platformIds(std::string_view arch) const;

  // The machine type's compat table. Error: unknown architecture or machine
  // type, naming the valid ones.
  regcompat::Result<regcompat::runtime::CompatTable> compatTable(std::string_view arch,
                                                                 std::string_view machine) const;
  // The baseline "no compat table" mode (--no-compat-table): the machine type
  // is still checked, its table is empty, so a load behaves like an
  // unpatched VMM's.
  regcompat::Result<regcompat::runtime::CompatTable> emptyTable(std::string_view arch,
                                                                std::string_view machine) const;

  // The one platform matching `query`. Error: none or several match; the
  // message names the valid values of the first field that fails to narrow
  // the choice.
  regcompat::Result<Platform> platform(std::string_view arch, const PlatformQuery &query) const;

 private:
  const GeneratedCatalog *catalog(std::string_view arch) const;
  regcompat::Result<const GeneratedCatalog *> requireCatalog(std::string_view arch) const;
  regcompat::Result<const regcompat::runtime::CompatTableSpec *>
  requireMachine(std::string_view arch, std::string_view machine) const;

  std::vector<GeneratedCatalog> catalogs_;
};

// "a, b, c"
std::string joinChoices(const std::vector<std::string> &choices);

} // namespace regvm
