// release/pipeline.yaml: a distribution's support matrix and what the
// release pipeline does with it (release/PIPELINE.md documents the format).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "regcompat/db/diagnostic.h"

namespace regcompat::pipeline {

inline constexpr unsigned kPipelineSchemaVersion = 1;

// A source release the pipeline can refresh from Debian's archive.
struct SourceRelease {
  std::string component;           // "qemu" or "linux"
  std::string version;             // "10.2.2", "6.12.107"
  std::vector<std::string> arches; // linux: "arm64", "x86_64"; qemu: empty (aarch64 target)
};

// A Debian suite whose real qemu-system-aarch64 judges the predictions
// (release/qemu-peers), and the QEMU release it must serve.
struct QemuPeer {
  std::string suite;    // "sid"
  std::string release;  // "11.1.3"
};

// One side of a VM migration: a platform of a policy (generator/POLICY.md).
struct VmPlatform {
  std::string release;  // hypervisor release (QEMU version whose register set the CPU gets)
  std::string kernel;   // host kernel release
};

// A pair of regvm instances migrated forward (source -> destination) and
// backward, with the generated compat tables and without them.
struct VmMigration {
  std::string name;
  std::string arch;     // "aarch64" (interpreter CPU) or "x86_64" (KVM)
  std::string accel;    // "tcg" or "kvm"
  std::string machine;  // machine type, e.g. "virt-10.0"
  std::string cpu;      // CPU model of the register set ("max", "msrs")
  std::string guest;    // guest program name (vm/guests/<arch>/<guest>)
  VmPlatform source;
  VmPlatform destination;
  unsigned line = 0;    // where it is defined, for messages
};

struct PipelineConfig {
  std::filesystem::path file;      // the pipeline file itself
  std::string name;
  std::string description;
  std::filesystem::path database;  // the shipped database (resolved against file's directory)
  std::vector<std::filesystem::path> policies;
  std::vector<SourceRelease> sources;
  bool probe_kvm = false;
  std::vector<QemuPeer> qemu_peers;
  std::vector<VmMigration> vm_migrations;
};

// Relative paths in the file are resolved against the file's directory.
// Every problem is reported with file:line:col; nothing is thrown.
db::Outcome<PipelineConfig> loadPipelineConfig(const std::filesystem::path &path);
db::Outcome<PipelineConfig> loadPipelineConfigFromString(std::string_view text,
                                                         const std::filesystem::path &path);

} // namespace regcompat::pipeline
