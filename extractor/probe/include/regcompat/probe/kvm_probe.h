// Live probes of this host's KVM.
//
// x86_64: the MSR lists KVM reports (KVM_GET_MSR_INDEX_LIST,
// KVM_GET_MSR_FEATURE_INDEX_LIST with the feature MSRs' values read through
// KVM_GET_MSRS on the system fd), and which of them a real vCPU accepts
// (KVM_GET_MSRS on a vCPU, one MSR at a time: the ioctl returns how many
// entries it processed).
//
// arm64: KVM_GET_REG_LIST of a vCPU initialised with the preferred target and
// chosen feature bits (KVM_ARM_VCPU_PMU_V3, SVE, PTRAUTH_*). Only built on
// aarch64 hosts; elsewhere probeKvmArm64() returns an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::probe {

// The host a probe ran on: what its register sets are keyed by.
struct HostInfo {
  std::string kernel_release;  // uname -r
  std::string machine;         // uname -m
  std::string cpu_vendor;      // "GenuineIntel", "AuthenticAMD", "arm64:0x41"
  unsigned cpu_family = 0;     // x86: CPUID family; arm64: MIDR architecture
  unsigned cpu_model = 0;      // x86: CPUID model; arm64: MIDR part number
  unsigned cpu_stepping = 0;   // x86: stepping; arm64: MIDR revision
  std::string cpu_name;        // brand string / MIDR in hex
  std::vector<std::string> features;  // CPUID/HWCAP features that decide
                                      // which registers exist, sorted

  // Key-safe profile: "intel-6-207-<8 hex digits of the feature list hash>".
  std::string profile() const;
};

// Reads uname and CPUID (x86) or MIDR/HWCAP (arm64) of this machine.
HostInfo readHostInfo();

// Every feature name readHostInfo() can report on this architecture: a name
// missing from HostInfo::features means "absent" only if it is listed here.
std::vector<std::string> probedFeatures();

struct KvmX86Msr {
  std::uint32_t index = 0;
  bool in_index_list = false;    // KVM_GET_MSR_INDEX_LIST
  bool feature = false;          // KVM_GET_MSR_FEATURE_INDEX_LIST
  std::optional<std::uint64_t> feature_value;  // KVM_GET_MSRS on /dev/kvm
  bool vcpu_accepts = false;     // KVM_GET_MSRS on a vCPU returned 1
  std::optional<std::uint64_t> vcpu_value;     // the vCPU's initial value
};

struct KvmX86Options {
  std::string device = "/dev/kvm";
  // Give the vCPU the host's KVM_GET_SUPPORTED_CPUID first (what QEMU's
  // "-cpu host" does); without it many MSRs are refused for lack of the
  // guest CPUID bit.
  bool set_supported_cpuid = true;
  bool create_irqchip = true;  // in-kernel LAPIC (x2APIC MSRs need it)
};

struct KvmX86Probe {
  HostInfo host;
  int api_version = 0;
  bool has_feature_msrs = false;  // KVM_CAP_GET_MSR_FEATURES
  bool vcpu_cpuid_set = false;
  std::vector<KvmX86Msr> msrs;  // union of both lists, by index

  std::size_t indexListSize() const;
  std::size_t featureListSize() const;
  std::size_t vcpuAccepted() const;
};

Result<KvmX86Probe> probeKvmX86(const KvmX86Options &options = {});

struct KvmArm64Options {
  std::string device = "/dev/kvm";
  bool pmu = false;      // KVM_ARM_VCPU_PMU_V3
  bool sve = false;      // KVM_ARM_VCPU_SVE (+ KVM_ARM_VCPU_FINALIZE)
  bool ptrauth = false;  // KVM_ARM_VCPU_PTRAUTH_ADDRESS + _GENERIC
  bool el2 = false;      // KVM_ARM_VCPU_HAS_EL2 (nested virtualisation)
  // "base", "pmu", "pmu+sve", ...: the profile these options select.
  std::string profile() const;
};

struct KvmArm64Probe {
  HostInfo host;
  KvmArm64Options options;
  std::uint32_t target = 0;               // KVM_ARM_PREFERRED_TARGET
  std::vector<std::uint64_t> registers;   // KVM_GET_REG_LIST, kernel order
};

Result<KvmArm64Probe> probeKvmArm64(const KvmArm64Options &options = {});

}  // namespace regcompat::probe
