// A distribution's support policy: which product releases it ships (each a
// hypervisor release plus the host kernels it runs on), with which
// accelerators and CPU models, which versioned machine types exist, and which
// migrations between them must work. Format: generator/POLICY.md.
//
// Plain data. loadPolicy() (policy_loader.h) builds one from YAML with
// file:line:col diagnostics; bindPolicy() (platform_set.h) checks it against a
// database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace regcompat::generator {

// Where an item is written in the policy file (1-based; 0 = unknown).
struct SourcePosition {
  unsigned line = 0;
  unsigned column = 0;
  bool operator==(const SourcePosition &) const = default;
};

struct Product {
  std::string release;               // product release name, e.g. "10.0.13"
  std::string hypervisor;            // the qemu release it ships, e.g. "10.0.13"
  std::vector<std::string> kernels;  // linux releases it ships on, e.g. {"6.12", "7.1"}
  std::string stream;                // release stream ("" = the one default stream)
  SourcePosition position;
  std::vector<SourcePosition> kernel_positions;
  bool operator==(const Product &) const = default;
};

struct AcceleratorSupport {
  std::string name;                     // "tcg" or "kvm"
  std::vector<std::string> cpu_models;  // tcg: QEMU CPU models; kvm: host profiles
  SourcePosition position;
  std::vector<SourcePosition> model_positions;
  bool operator==(const AcceleratorSupport &) const = default;
};

struct MachineTypeSpec {
  std::string name;        // "virt-10.0"
  std::string introduced;  // product release (version) that introduced it
  SourcePosition position;
  bool operator==(const MachineTypeSpec &) const = default;
};

// Forward = from an older product release to a newer one (for one product
// release, from an older kernel to a newer one); backward the other way.
enum class Direction : std::uint8_t { Forward, Backward, Both };
// Which kernel pairs a rule covers.
enum class KernelChange : std::uint8_t {
  Any,        // every pair of the two products' kernels
  Same,       // source and destination run the same kernel release
  Upgrade,    // destination kernel >= source kernel
  Downgrade,  // destination kernel <= source kernel
};

struct MigrationRule {
  std::string name;                    // label in reports ("forward", ...)
  Direction direction = Direction::Forward;
  bool within_stream = false;          // only between releases of one stream
  std::optional<unsigned> max_releases;  // at most N product releases apart
  std::optional<std::string> kernel_min;  // both sides' kernels >= this
  std::optional<std::string> kernel_max;  // both sides' kernels <= this
  KernelChange kernel_change = KernelChange::Any;
  std::vector<std::string> accelerators;   // empty: every supported one
  std::vector<std::string> machine_types;  // empty: every machine type
  SourcePosition position;
  bool operator==(const MigrationRule &) const = default;
};

// What to do with a constant register whose value differs between the two
// sides of a required migration.
enum class ValueMode : std::uint8_t {
  Pin,       // present the machine type's baseline value on every release
  Tolerate,  // accept the incoming value; the destination keeps its own
  Refuse,    // a value change is a breakage no table fixes
};

// Which compat entry fixes a register one side has and the other lacks.
enum class FixPreference : std::uint8_t {
  Auto,         // hide what the baseline lacks, else safe-missing (POLICY.md)
  Hide,         // always hide it
  SafeMissing,  // always accept it missing
};

struct RegisterAnnotation {
  std::string register_text;  // as written: a name, a text form or a hex index
  bool guest_state = false;   // must be migrated: never hidden, never dropped
  std::optional<ValueMode> value;
  FixPreference fix = FixPreference::Auto;
  std::string note;
  SourcePosition position;
  bool operator==(const RegisterAnnotation &) const = default;
};

struct ValuePolicy {
  ValueMode mode = ValueMode::Pin;
  // A machine type has one table for every CPU model: when two models would
  // need different pinned values for one register, use this instead (Pin is
  // not allowed here).
  ValueMode on_conflict = ValueMode::Tolerate;
  bool operator==(const ValuePolicy &) const = default;
};

struct Policy {
  std::string file;  // as the caller named it, for diagnostics
  int schema_version = 1;
  std::string name;
  std::string description;
  std::string architecture;  // "arm64", "x86_64", "arm32"
  std::vector<Product> products;
  std::vector<AcceleratorSupport> accelerators;
  std::vector<MachineTypeSpec> machine_types;
  std::vector<MigrationRule> migrations;
  ValuePolicy values;
  std::vector<RegisterAnnotation> registers;
  bool operator==(const Policy &) const = default;
};

inline constexpr int kPolicySchemaVersion = 1;

std::string_view toString(Direction direction);        // "forward", "backward", "both"
std::string_view toString(KernelChange change);        // "any", "same", "upgrade", "downgrade"
std::string_view toString(ValueMode mode);             // "pin", "tolerate", "refuse"
std::string_view toString(FixPreference preference);   // "auto", "hide", "safe-missing"

// The accelerator's register source: tcg platforms take QEMU's set for
// (hypervisor release, CPU model), kvm platforms the kernel's set for
// (kernel release, host profile).
std::string_view componentOf(std::string_view accelerator);  // "qemu" / "linux"

} // namespace regcompat::generator
