// The save side of a live migration: which registers this side exposes and
// what it puts on the stream.
#pragma once

#include <span>

#include "regcompat/result.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/register_list.h"

namespace regcompat::runtime {

// The registers this side exposes to the guest, in `local` order: hidden
// registers removed, pinned registers carrying their pinned value (a VMM
// builds its CPU's register list from this at start-up, so the guest sees the
// pinned value too). A pinned register counts as constant from here on.
LocalRegisterList visibleRegisters(std::span<const LocalRegister> local,
                                   const CompatTable &table);

// The list to put on the stream: visibleRegisters() as (index, value) pairs,
// sorted by index as QEMU sends its list (init_cpreg_list(),
// target/arm/helper.c, sorts cpreg_indexes by KVM id, and cpu_pre_save(),
// target/arm/machine.c, copies them to the stream; QEMU's merge relies on it).
// Fails, naming the entry and its position in `local`, on an invalid index or
// an index listed twice: a broken list would only fail later, on the other
// host, with less to go on.
Result<StreamRegisterList> outgoing(std::span<const LocalRegister> local,
                                    const CompatTable &table);

} // namespace regcompat::runtime
