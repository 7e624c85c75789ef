// The control socket's commands, on a machine and its outgoing migration:
// query-status, stop, cont, migrate, query-migrate, quit, and regvm's
// x-query-ram-checksum (the guest RAM checksum of a stopped machine, for the
// end-to-end tests' before/after comparison).
#pragma once

#include "machine.h"
#include "outgoing_migration.h"
#include "qmp_server.h"

namespace regvm::cli {

QmpCommandHandler makeQmpHandler(Machine &machine, OutgoingMigration &migration);

// query-migrate's "return" value.
json::Value migrationInfo(const MigrationStats &stats);

} // namespace regvm::cli
