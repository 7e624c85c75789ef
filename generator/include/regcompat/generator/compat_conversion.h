// The database's compat file (YAML, with names and reasons) as the runtime's
// CompatTable (indexes and rules only), and a database register set as the
// runtime's local register list. The one conversion every tool uses: the
// generator verifies migrations with it and `regcompat migrate-check` runs
// it, so both see a register set exactly as a VMM would.
#pragma once

#include "regcompat/db/compat_file.h"
#include "regcompat/db/register_set.h"
#include "regcompat/result.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/register_list.h"

namespace regcompat::generator {

Result<runtime::CompatTable> toCompatTable(const db::CompatFile &file);
// Only registers that travel on the stream (RegisterEntry::migrated()); a
// register without a recorded value resets to 0; the "const" flag makes it
// constant (under TCG QEMU checks an incoming value against it).
runtime::LocalRegisterList toLocalRegisters(const db::RegisterSet &set);

} // namespace regcompat::generator
