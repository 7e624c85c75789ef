// Building a machine's parts for the chosen architecture and accelerator:
// guest RAM at the board's base, the console and exit devices, the vCPU with
// the release profile's register list under the machine type's compat
// table, the dirty log, and (unless an incoming migration brings RAM and
// CPU state) the guest image.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli_options.h"
#include "machine.h"
#include "machine_type_registry.h"
#include "regcompat/runtime/compat_table.h"

namespace regvm::cli {

struct BackendRequest {
  const Options &options;
  const Platform &platform;
  const regcompat::runtime::CompatTable &table;
  std::uint64_t memory_size = 0;
  bool incoming = false;
  std::shared_ptr<ConsoleSink> console;
  // name=value pairs from --guest-param.
  std::vector<std::pair<std::string, std::uint64_t>> guest_params;
};

struct Backend {
  MachineParts parts;
  // Runs after an incoming migration loaded RAM (e.g. forget translated code).
  std::function<void()> after_incoming;
  // Objects the parts refer to (KVM system and VM): destroyed after them.
  std::vector<std::shared_ptr<void>> keep_alive;
  std::vector<std::string> notes;  // printed on stderr at start-up
};

// Throws Failure (exit code and message).
Backend createBackend(const BackendRequest &request);

// The back ends this regvm was built with: "aarch64/tcg", "x86_64/kvm".
std::vector<std::string> builtBackends();

} // namespace regvm::cli
