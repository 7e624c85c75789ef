// Pieces every emitter shares (internal).
#pragma once

#include <string>

#include "regcompat/generator/analysis.h"

namespace regcompat::generator {

// "BOGUS_DBGDTR_EL0 (p14,3,c0,c5,0,ns)", or the text form alone when the
// register has no name.
std::string registerLabel(const PlatformSet &set, RegisterId id);

// The entry's comment: label, reason, and where it comes from when another
// machine type's migrations need it. Not yet comment-safe (commentText()).
std::string entryNote(const PlatformSet &set, const MachineTypeResult &m, const TableEntry &e);

// The lines every generated file starts with (without comment markers).
std::string provenanceLine(const Analysis &analysis);

// "virt-10.0 baseline ...; chain: virt-10.2; 12 required migrations, 8 fail
// without the table, 0 with it"
std::string machineTypeSummary(const Analysis &analysis, const MachineTypeResult &m);

// Machine types newer than `m` (its compat chain), newest first.
std::vector<std::string> chainOf(const Analysis &analysis, const MachineTypeResult &m);

} // namespace regcompat::generator
