#include "cli_control.h"

#include "ram_checksum.h"
#include "regcompat/hex_format.h"

namespace regvm::cli {

json::Value migrationInfo(const MigrationStats &s) {
  if (s.status == MigrationStatus::None) return json::Object{};
  json::Object info{{"status", std::string(toString(s.status))}};
  const bool done = s.status == MigrationStatus::Completed;
  info.emplace_back("total-time", s.total_time_ms);
  if (done) info.emplace_back("downtime", s.downtime_ms);
  if (done) info.emplace_back("x-downtime-confirmed", s.confirmed_downtime_ms);
  info.emplace_back("setup-time", s.setup_time_ms);
  info.emplace_back("ram", json::Object{
                               {"transferred", s.transferred},
                               {"total", s.ram_total},
                               {"remaining", s.remaining_pages * GuestMemory::kPageSize},
                               {"duplicate", s.pages_zero},
                               {"normal", s.pages_data},
                               {"normal-bytes", s.pages_data * GuestMemory::kPageSize},
                               {"dirty-sync-count", s.iterations},
                               {"dirty-pages-rate", s.dirty_pages_rate},
                               {"mbps", s.mbps},
                               {"downtime-bytes", s.downtime_bytes},
                               {"page-size", GuestMemory::kPageSize},
                           });
  // QEMU reports it only while auto-converge throttles (MigrationInfo).
  if (s.cpu_throttle_percentage > 0) info.emplace_back("cpu-throttle-percentage", std::uint64_t{s.cpu_throttle_percentage});
  if (s.status == MigrationStatus::Failed) info.emplace_back("error-desc", s.error);
  return info;
}

QmpCommandHandler makeQmpHandler(Machine &machine, OutgoingMigration &migration, std::function<void()> quit) {
  return [&machine, &migration, quit](std::string_view command, const json::Value &args) -> QmpResult {
    if (command == "query-status") {
      const RunState state = machine.state();
      return QmpResult::ok(json::Object{{"status", std::string(toString(state))},
                                        {"singlestep", false},
                                        {"running", state == RunState::Running}});
    }
    if (command == "stop") {
      const RunState state = machine.state();
      if (state == RunState::Paused || machine.pause()) return QmpResult::ok();
      return QmpResult::error("cannot stop a machine in state " + std::string(toString(state)));
    }
    if (command == "cont") {
      const RunState state = machine.state();
      if (machine.resume()) return QmpResult::ok();
      return QmpResult::error("cannot continue a machine in state " + std::string(toString(state)));
    }
    if (command == "migrate") {
      const json::Value *uri = args.find("uri");
      if (!uri || !uri->isString()) return QmpResult::error("migrate: parameter 'uri' (a string) is missing");
      if (auto s = migration.start(uri->asString()); !s) return QmpResult::error(s.error());
      return QmpResult::ok();
    }
    if (command == "migrate_cancel") {
      if (auto s = migration.cancel(); !s) return QmpResult::error(s.error());
      return QmpResult::ok();
    }
    if (command == "query-migrate") return QmpResult::ok(migrationInfo(migration.query()));
    if (command == "quit") {
      QmpResult r = QmpResult::ok();
      r.after_reply = quit;
      return r;
    }
    if (command == "x-query-ram-checksum") {
      const RunState state = machine.state();
      if (state == RunState::Running || state == RunState::FinishMigrate)
        return QmpResult::error("x-query-ram-checksum needs a stopped machine (state " +
                                std::string(toString(state)) + ")");
      return QmpResult::ok(json::Object{
          {"checksum", regcompat::hexIndex(RamChecksum::compute(machine.memory()))},
          {"pages", machine.memory().pageCount()}});
    }
    if (command == "query-commands") {
      json::Array names;
      for (const char *n : {"qmp_capabilities", "query-status", "stop", "cont", "migrate", "migrate_cancel",
                            "query-migrate", "quit", "x-query-ram-checksum", "query-commands"})
        names.push_back(json::Object{{"name", n}});
      return QmpResult::ok(std::move(names));
    }
    return QmpResult::error("The command " + std::string(command) + " has not been found",
                            "CommandNotFound");
  };
}

} // namespace regvm::cli
