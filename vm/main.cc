// regvm: a small VMM whose versioned machine types come from regcompat's
// generated compat headers, and which live-migrates a running guest between
// instances configured as different hypervisor releases and host kernels
// (vm/README.md).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <thread>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli_backends.h"
#include "cli_control.h"
#include "cli_options.h"
#include "console_sink.h"
#include "incoming_migration.h"
#include "machine_type_registry.h"
#include "outgoing_migration.h"
#include "qmp_server.h"
#include "regcompat/clidoc/cli_spec.h"
#include "regcompat/json_writer.h"

namespace regvm::cli {
namespace {

[[noreturn]] void failWith(int code, const std::string &message) { throw Failure{code, message}; }

int listMachines(const Options &o) {
  const auto &registry = MachineTypeRegistry::builtin();
  if (o.format == "json") {
    regcompat::JsonWriter w;
    w.beginObject().key("architectures").beginArray();
    for (const auto &arch : registry.architectures()) {
      w.beginObject().field("arch", arch).key("machine_types").beginArray();
      for (const auto &m : registry.machineTypes(arch)) w.value(m);
      w.endArray().key("platforms").beginArray();
      for (const auto &p : registry.platformIds(arch)) w.value(p);
      w.endArray().endObject();
    }
    w.endArray().key("backends").beginArray();
    for (const auto &b : builtBackends()) w.value(b);
    w.endArray().endObject();
    std::cout << w.take();
    return kExitOk;
  }
  for (const auto &arch : registry.architectures()) {
    std::cout << arch << " machine types: " << joinChoices(registry.machineTypes(arch)) << "\n";
    std::cout << arch << " release profiles (--release/--kernel/--accel/--cpu):\n";
    for (const auto &p : registry.platformIds(arch)) std::cout << "  " << p << "\n";
  }
  std::cout << "back ends built: " << joinChoices(builtBackends()) << "\n";
  return kExitOk;
}

std::vector<std::pair<std::string, std::uint64_t>> parseGuestParams(const std::vector<std::string> &items) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto &item : items) {
    const auto eq = item.find('=');
    std::uint64_t value = 0;
    const std::string text = eq == std::string::npos ? "" : item.substr(eq + 1);
    const bool hex = text.rfind("0x", 0) == 0;
    const char *begin = text.data() + (hex ? 2 : 0);
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value, hex ? 16 : 10);
    if (eq == std::string::npos || eq == 0 || ec != std::errc() || end != text.data() + text.size() || begin == end)
      failWith(kExitUsage, "--guest-param '" + item + "': expected NAME=VALUE (decimal or 0x hex)");
    out.emplace_back(item.substr(0, eq), value);
  }
  return out;
}

std::shared_ptr<ConsoleSink> openConsole(const std::string &path) {
  if (path.empty()) return std::make_shared<FdConsoleSink>(STDOUT_FILENO, false);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) failWith(kExitBadInput, "cannot open console file " + path + ": " + std::strerror(errno));
  return std::make_shared<FdConsoleSink>(fd, true);
}

// Turns SIGTERM, SIGINT and SIGHUP into `quit` (QEMU: "terminating on
// signal"), so that the sockets are removed and a migration's peer is let
// go. The signals are blocked in every thread (main() blocks them before
// any thread starts) and taken here with sigtimedwait().
class TerminationSignals {
 public:
  explicit TerminationSignals(std::function<void()> quit) : quit_(std::move(quit)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~TerminationSignals() {
    stop_ = true;
    thread_.join();
  }
  TerminationSignals(const TerminationSignals &) = delete;
  TerminationSignals &operator=(const TerminationSignals &) = delete;

  static sigset_t set() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&s, sig);
    return s;
  }

 private:
  void loop() {
    const sigset_t s = set();
    const timespec tick{0, 100 * 1000 * 1000};
    while (!stop_) {
      siginfo_t info{};
      const int sig = ::sigtimedwait(&s, &info, &tick);
      if (sig <= 0) continue;
      std::cerr << "regvm: terminating on signal " << sig << " from pid " << info.si_pid << "\n";
      quit_();
    }
  }
  std::function<void()> quit_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int runVm(const Options &o, const std::vector<std::string> &guest_param_items) {
  const auto &registry = MachineTypeRegistry::builtin();
  if (o.machine.empty()) failWith(kExitUsage, "--machine is required; valid for " + o.arch + ": " +
                                                  joinChoices(registry.machineTypes(o.arch)));
  auto table = o.no_compat_table ? registry.emptyTable(o.arch, o.machine) : registry.compatTable(o.arch, o.machine);
  if (!table) failWith(kExitBadInput, table.error());
  PlatformQuery query{o.release, o.kernel, o.accel, o.cpu};
  if (query.accel.empty()) query.accel = o.arch == "x86_64" ? "kvm" : "tcg";
  auto platform = registry.platform(o.arch, query);
  if (!platform) failWith(kExitBadInput, platform.error());
  auto memory_size = parseMemorySize(o.memory);
  if (!memory_size) failWith(kExitUsage, memory_size.error());
  std::optional<MigrationUri> incoming_uri;
  if (!o.incoming.empty()) {
    auto uri = parseMigrationUri(o.incoming);
    if (!uri) failWith(kExitUsage, "--incoming: " + uri.error());
    incoming_uri = *uri;
  }
  std::string qmp_path;
  if (!o.qmp.empty()) {
    if (o.qmp.rfind("unix:", 0) != 0 || o.qmp.size() <= 5)
      failWith(kExitUsage, "--qmp '" + o.qmp + "': expected unix:PATH");
    qmp_path = o.qmp.substr(5);
  }

  auto console = openConsole(o.console);
  BackendRequest request{o, *platform, *table, *memory_size, incoming_uri.has_value(), console,
                         parseGuestParams(guest_param_items)};
  Backend backend = createBackend(request);
  for (const auto &note : backend.notes) std::cerr << "regvm: " << note << "\n";
  const std::string backend_name(backend.parts.vcpu->backend());

  Machine machine(std::move(backend.parts), o.arch, o.machine, platform->id,
                  incoming_uri ? RunState::InMigrate : RunState::Prelaunch);
  stream::StreamHeader header{o.arch, o.machine, platform->id, backend_name, !o.no_compat_table, 0, 0, 4096};
  MigrationParameters params = o.migration;
  params.auto_converge = !o.no_auto_converge;
  OutgoingMigration migration(machine, *table, header, params);
  if (o.exit_after_migration) migration.onCompleted([&machine] { machine.quit(); });

  std::unique_ptr<IncomingListener> listener;
  if (incoming_uri) {
    auto opened = IncomingListener::open(*incoming_uri);
    if (!opened) failWith(kExitBadInput, "--incoming: " + opened.error());
    listener = std::move(opened).value();
  }
  // QMP quit and SIGTERM/SIGINT/SIGHUP: end everything under way, as QEMU's
  // shutdown cancels its migration; nothing waits on a peer after this.
  std::atomic<bool> quitting{false};
  auto quit = [&] {
    quitting = true;
    (void)migration.cancel(true);
    if (listener) listener->abort();
    machine.quit();
  };
  TerminationSignals signals(quit);

  std::unique_ptr<QmpServer> qmp;
  if (!qmp_path.empty()) {
    auto server = QmpServer::listen(qmp_path, makeQmpHandler(machine, migration, quit));
    if (!server) failWith(kExitBadInput, server.error());
    qmp = std::move(server).value();
  }

  if (incoming_uri) {
    IncomingMigration incoming(machine, *table, header, !o.no_compat_table);
    auto incoming_note = [](const std::string &text) { std::cerr << "regvm: incoming: " << text << "\n"; };
    if (auto s = receiveMigration(incoming, *listener, static_cast<int>(params.stall_timeout_ms), incoming_note); !s) {
      machine.quit();
      if (quitting) {
        std::cerr << "regvm: quit while waiting for the incoming migration\n";
        return kExitOk;
      }
      failWith(kExitFailure, "incoming migration failed: " + s.error());
    }
    const auto &sum = incoming.summary();
    std::cerr << "regvm: incoming migration loaded from " << sum.source.platform << " ("
              << sum.bytes << " bytes, " << sum.ram.pages_data << " pages with data, "
              << sum.ram.pages_zero << " zero pages, " << sum.pages_prefaulted << " pages faulted in ahead, "
              << sum.iterations << " pre-copy passes, "
              << sum.registers << " CPU registers)\n";
    for (const auto &note : sum.merge_notes) std::cerr << "regvm: register merge: " << note << "\n";
    if (backend.after_incoming) backend.after_incoming();
    machine.start(sum.guest_running && !o.start_paused);
  } else {
    machine.start(!o.start_paused);
  }

  const MachineEnd end = machine.waitUntilEnded();
  // The machine ended (guest exit, quit): a migration still under way has
  // nothing left to move.
  (void)migration.cancel(true);
  migration.join();
  qmp.reset();
  switch (end.state) {
  case RunState::InternalError:
    std::cerr << "regvm: error: the vCPU stopped: " << end.error << "\n";
    return kExitFailure;
  case RunState::PostMigrate:
    return kExitOk;
  default:
    return exitStatusOfGuest(end.exit_status);
  }
}

} // namespace
} // namespace regvm::cli

int main(int argc, char **argv) {
  using namespace regvm::cli;
  ::signal(SIGPIPE, SIG_IGN);
  {
    const sigset_t terminating = TerminationSignals::set();
    ::pthread_sigmask(SIG_BLOCK, &terminating, nullptr);
  }
  Options o;
  std::vector<std::string> guest_params;
  CLI::App app{"regvm: a small VMM whose versioned machine types come from regcompat's generated "
               "compat tables; live-migrates a running guest between instances configured as "
               "different hypervisor releases and host kernels"};
  app.footer(kExitCodeHelp);
  app.set_version_flag("--version", std::string("regvm ") + REGVM_VERSION);
  app.add_option("--arch", o.arch, "Guest architecture")->check(CLI::IsMember({"aarch64", "x86_64"}));
  app.add_option("--accel", o.accel, "Accelerator: tcg (the AArch64 interpreter) or kvm (default: tcg on aarch64, kvm on x86_64)")
      ->check(CLI::IsMember({"tcg", "kvm"}));
  app.add_option("--machine,-M", o.machine, "Machine type, e.g. virt-10.0 or pc-10.2 (see --list-machines)");
  app.add_option("--release", o.release, "Hypervisor release profile whose CPU register set to use, e.g. 10.2.2");
  app.add_option("--kernel", o.kernel, "Host kernel release to emulate, e.g. 6.12.107");
  app.add_option("--cpu", o.cpu, "CPU model, e.g. max (aarch64) or msrs (x86_64)");
  app.add_option("--memory,-m", o.memory, "Guest RAM size (K, M, G suffixes)")->capture_default_str();
  app.add_option("--image", o.image, "Guest image (AArch64 ELF; x86_64 flat binary at 1 MiB or ELF)");
  app.add_option("--guest-param", guest_params, "NAME=VALUE written into the loaded image: an ELF symbol's 64-bit word (aarch64) or a field of the x86 guests' parameter block");
  app.add_option("--console", o.console, "Write the guest console to this file (default: stdout)");
  app.add_option("--qmp", o.qmp, "Control socket, unix:PATH (QMP-like JSON, one object per line)");
  app.add_option("--incoming", o.incoming, "Wait for an incoming migration: unix:PATH, tcp:HOST:PORT or file:PATH");
  app.add_flag("--no-compat-table", o.no_compat_table, "Baseline: no compat table (an unpatched VMM), to show the failure the tables fix");
  app.add_flag("--exit-after-migration", o.exit_after_migration, "Exit (status 0) once an outgoing migration completed");
  app.add_flag("--paused,-S", o.start_paused, "Do not start the vCPU until `cont`");
  app.add_option("--downtime-limit", o.migration.downtime_limit_ms, "Longest acceptable downtime in ms: stop-and-copy only once the dirty set would go out in this time")->capture_default_str();
  app.add_option("--stall-timeout", o.migration.stall_timeout_ms, "Migration stall timeout in ms: a peer that takes or sends nothing for this long (connect, writes, the stream's tail, reads, the incoming handshake) fails the migration, and the source keeps its guest")->capture_default_str()->check(CLI::Range(100, 3600000));
  app.add_option("--max-iterations", o.migration.max_iterations, "Pre-copy passes before stop-and-copy")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_flag("--no-auto-converge", o.no_auto_converge, "Never throttle the vCPU, even when the guest dirties memory faster than the migration sends it");
  app.add_option("--throttle-initial", o.migration.throttle_initial, "Auto-converge: the least vCPU throttle (percent) when a pre-copy sample first fails to halve the dirty set")->capture_default_str()->check(CLI::Range(1, 99));
  app.add_option("--throttle-increment", o.migration.throttle_increment, "Auto-converge: the least raise of the throttle per further such sample (percent)")->capture_default_str()->check(CLI::Range(1, 99));
  app.add_flag("--list-machines", o.list_machines, "List machine types, release profiles and back ends, then exit");
  app.add_option("--format", o.format, "Output format of --list-machines")->check(CLI::IsMember({"text", "json"}));
  regcompat::clidoc::addCliSpecFlag(app, "regvm", REGVM_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (o.list_machines) return listMachines(o);
    return runVm(o, guest_params);
  } catch (const Failure &f) {
    std::cerr << "regvm: error: " << f.message << "\n";
    return f.code;
  } catch (const std::exception &e) {
    std::cerr << "regvm: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
