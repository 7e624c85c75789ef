// The database's compat file (YAML, with names and reasons) as the runtime's
// CompatTable (indexes and rules only), and a database register set as the
// runtime's local register list.
#pragma once

#include "regcompat/db/compat_file.h"
#include "regcompat/db/register_set.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/register_list.h"

namespace regcompat::cli {

Result<runtime::CompatTable> toCompatTable(const db::CompatFile &file);
// Only registers that travel on the stream (RegisterEntry::migrated()); a
// register without a recorded value resets to 0.
runtime::LocalRegisterList toLocalRegisters(const db::RegisterSet &set);

} // namespace regcompat::cli
