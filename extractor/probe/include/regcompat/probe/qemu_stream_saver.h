// A real QEMU's paused state as a migration stream file: the one recipe
// behind `regcompat probe qemu`, the real-QEMU matrix (which calls that
// command) and the stream-reader tests.
//
// The binary starts paused (-S) under the machine type and CPU model and is
// told through its monitor on stdin to `migrate "exec:cat > FILE"` (HMP
// `migrate` waits for completion; `exec:` exists in every release, unlike
// `file:`), then `quit`. QEMU hands the `exec:` command to /bin/sh, so the
// file it names is one in a private temporary directory, named by this code;
// the finished stream is then moved to where the caller wants it. Nothing a
// caller passes reaches a shell.
#pragma once

#include <filesystem>
#include <string>

#include "regcompat/result.h"

namespace regcompat::probe {

struct QemuStreamRequest {
  std::string qemu;     // the qemu-system-aarch64 to run (path or PATH name)
  std::string machine;  // -M
  std::string cpu;      // -cpu
  std::string memory = "16M";
  unsigned timeout_seconds = 120;
};

// Writes the stream to `out` (replacing it). Returns the arguments it gave
// QEMU after the binary's name (" -M virt-10.0 -cpu max ..."), for the
// provenance; the error carries the end of QEMU's own output.
Result<std::string> saveQemuStream(const QemuStreamRequest &request, const std::filesystem::path &out);

} // namespace regcompat::probe
