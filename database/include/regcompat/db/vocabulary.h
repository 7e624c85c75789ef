// The closed vocabularies of the database format and the rules for its free
// text fields, shared by the loaders (which report violations with a file
// position) and by validate() (which checks a database built in memory).
//
// Each check returns why the text is invalid, or nullopt when it is fine.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "regcompat/db/register_entry.h"
#include "regcompat/register_id.h"

namespace regcompat::db {

std::span<const std::string_view> components();    // linux, qemu
std::span<const std::string_view> architectures(); // arm32, arm64, x86_64
std::span<const std::string_view> accelerators();   // kvm, tcg
std::span<const std::string_view> knownFlags();     // QEMU's ARM_CP_* types, lower-case
std::span<const std::string_view> probeKinds();     // kvm, stream

// The register-index architecture of a catalogue file ("arm64" -> Arm64,
// "x86_64" -> X86), and back.
std::optional<Arch> indexArchOf(std::string_view architecture);
std::string_view architectureName(Arch arch);

// Whether a register set of `architecture` may hold a register with this
// index: an arm64 CPU also migrates the AArch32 view of its registers
// (arm32-format indexes), the others only their own.
bool setArchitectureHolds(std::string_view architecture, RegisterId id);

std::optional<std::string> checkComponent(std::string_view text);
std::optional<std::string> checkArchitecture(std::string_view text);
std::optional<std::string> checkAccelerator(std::string_view text);
// Versions and profiles name files and key fields: no '/', no spaces.
std::optional<std::string> checkVersion(std::string_view text);
std::optional<std::string> checkProfile(std::string_view text);
// A distribution's package version: "1:10.0.13+ds-1".
std::optional<std::string> checkDistroVersion(std::string_view text);
// YYYY-MM-DD, a real calendar date.
std::optional<std::string> checkDate(std::string_view text);
// Identifier-like: [A-Za-z_][A-Za-z0-9_.]*, at most 128 characters.
std::optional<std::string> checkRegisterName(std::string_view text);
std::optional<std::string> checkFlag(std::string_view text);
// "source": path:line (line >= 1); "probe": kind:detail with a known kind.
std::optional<std::string> checkProvenance(const Provenance &provenance);
// Machine types of compat files: "virt-10.0", "pc-q35-10.0", "virt-rhel9.6.0".
std::optional<std::string> checkMachineType(std::string_view text);

} // namespace regcompat::db
