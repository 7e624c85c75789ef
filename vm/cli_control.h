// The control socket's commands, on a machine and its outgoing migration:
// query-status, stop, cont, migrate, migrate_cancel, query-migrate, quit, and regvm's
// x-query-ram-checksum (the guest RAM checksum of a stopped machine, for the
// end-to-end tests' before/after comparison).
#pragma once

#include <functional>

#include "machine.h"
#include "outgoing_migration.h"
#include "qmp_server.h"

namespace regvm::cli {

// `quit`: ends the process's machine and whatever migration it has under
// way (the same path as SIGTERM); runs once the reply is on its way.
QmpCommandHandler makeQmpHandler(Machine &machine, OutgoingMigration &migration, std::function<void()> quit);

// query-migrate's "return" value.
json::Value migrationInfo(const MigrationStats &stats);

} // namespace regvm::cli
