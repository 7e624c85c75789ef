// The human side of a table entry (internal): which releases gained,
// dropped or changed a register, told from the register sets themselves.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "regcompat/generator/platform_graph.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/register_id.h"

namespace regcompat::generator {

// "qemu 10.2.2 added it (qemu 10.0.13 lacks it) [tcg/max]; linux 7.1 dropped
// it (linux 6.12 has it) [kvm/base]": every change of presence between
// consecutive component releases, over the machine type's platforms, groups
// with the same story merged.
std::string presenceStory(const PlatformSet &set, const MachineTypeGraph &graph, RegisterId id);

// "qemu 7.2 0x1, qemu 10.0.13 0x2 [tcg/max]": every value change.
std::string valueStory(const PlatformSet &set, const MachineTypeGraph &graph, RegisterId id);

// "10.2.2/6.12/tcg/max -> 10.0.13/6.12/tcg/max"
std::string edgeLabel(const PlatformSet &set, const MigrationEdge &edge);

// "so that 10.2.2/... -> 10.0.13/... loads" or "so that 4 required
// migrations load, e.g. ..."
std::string neededBy(const PlatformSet &set, const MachineTypeGraph &graph,
                     const std::vector<std::size_t> &edges);

// "virt-10.0 baseline 10.0.13/6.12 (tcg/max, kvm/base)": each group's first
// platform, groups with the same product and kernel merged.
std::string baselineText(const PlatformSet &set, const MachineTypeGraph &graph);

} // namespace regcompat::generator
