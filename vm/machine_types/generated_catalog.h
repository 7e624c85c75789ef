// The generated machine-type headers (vm/machine_types/meson.build) in one
// architecture-neutral shape. Each architecture's header is compiled in its
// own translation unit (generated_<arch>.cc), which converts its
// CompatTableView / PlatformView arrays with fromGenerated() below.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/register_list.h"

namespace regvm {

struct GeneratedPlatform {
  std::string id;  // "<release>/<kernel>/<accel>/<cpu>", e.g. "10.2.2/6.12.107/tcg/max"
  regcompat::runtime::LocalRegisterList registers;
};

struct GeneratedCatalog {
  std::string arch;                                       // "aarch64", "x86_64"
  std::vector<regcompat::runtime::CompatTableSpec> tables;  // newest machine type first
  std::vector<GeneratedPlatform> platforms;
};

const GeneratedCatalog &generatedArm64Catalog();
const GeneratedCatalog &generatedX86_64Catalog();

namespace detail {

// `Tables` and `Platforms` are the generated kTables and kPlatforms arrays;
// their element types differ per header namespace, their fields do not.
template <typename Tables, typename Platforms>
GeneratedCatalog fromGenerated(std::string arch, const Tables &tables, const Platforms &platforms) {
  GeneratedCatalog catalog;
  catalog.arch = std::move(arch);
  for (const auto &view : tables) {
    regcompat::runtime::CompatTableSpec spec;
    spec.machine_type = view.machine_type;
    spec.hidden.assign(view.hidden, view.hidden + view.hidden_count);
    spec.safe_missing.assign(view.safe_missing, view.safe_missing + view.safe_missing_count);
    for (std::size_t i = 0; i < view.pinned_count; ++i)
      spec.value_rules.push_back(regcompat::runtime::Pin{view.pinned[i].index, view.pinned[i].value});
    for (std::size_t i = 0; i < view.tolerated_count; ++i)
      spec.value_rules.push_back(regcompat::runtime::Tolerate{view.tolerated[i]});
    catalog.tables.push_back(std::move(spec));
  }
  for (const auto &view : platforms) {
    GeneratedPlatform platform;
    platform.id = view.id;
    for (std::size_t i = 0; i < view.count; ++i)
      platform.registers.push_back({view.registers[i].index, view.registers[i].value,
                                    view.registers[i].is_constant});
    catalog.platforms.push_back(std::move(platform));
  }
  return catalog;
}

} // namespace detail
} // namespace regvm
