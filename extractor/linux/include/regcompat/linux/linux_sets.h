// Linux extraction results as database register sets.
#pragma once

#include <vector>

#include "regcompat/db/register_set.h"
#include "regcompat/linux/arm64_regs.h"
#include "regcompat/linux/x86_msrs.h"

namespace regcompat::kernel {

// One set per arm64Profiles() entry, keyed linux/<release>/arm64/kvm/<profile>:
// the registers a vCPU with that profile's features lists (demux CCSIDR ids
// excluded: they depend on the host). Entries carry the kernel name where it
// is a valid register name, and "source" provenance (file:line of the table
// entry or of the code that lists the register).
std::vector<db::RegisterSet> arm64RegisterSets(const Arm64Extraction &extraction);

// One set per x86Profiles() entry, keyed linux/<release>/x86_64/kvm/<profile>
// ("msrs", "msrs-nopmu", "features"): the candidates whose condition the
// profile does not make false (conditions it leaves open count as listed).
// Indexes are RegisterId::encode(X86MsrFields{msr}); entries carry the macro
// name and the x86.c line. The description says how many entries are
// conditional and on which host capabilities.
std::vector<db::RegisterSet> x86RegisterSets(const X86MsrExtraction &extraction);

}  // namespace regcompat::kernel
