#include "regcompat/probe/probe_sets.h"

#include <cstdio>

namespace regcompat::probe {
namespace {

db::RegisterEntry probeEntry(RegisterId id, std::optional<std::uint64_t> value, std::string where) {
  db::RegisterEntry e;
  e.id = id;
  e.value = value;
  e.provenance = db::Provenance{db::Provenance::Kind::Probe, std::move(where)};
  return e;
}

RegisterId msrId(std::uint32_t msr) {
  // Every 32-bit MSR number encodes (register_id.h, X86MsrFields).
  return *RegisterId::encode(X86MsrFields{msr});
}

}  // namespace

std::string describeHost(const HostInfo &host) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "kernel %s (%s), %s family %u model %u stepping %u", host.kernel_release.c_str(),
                host.machine.c_str(), host.cpu_vendor.c_str(), host.cpu_family, host.cpu_model, host.cpu_stepping);
  std::string text = buf;
  if (!host.cpu_name.empty()) text += " (" + host.cpu_name + ")";
  text += ", features:";
  for (std::size_t k = 0; k < host.features.size(); ++k) text += (k ? "," : " ") + host.features[k];
  return text;
}

Result<db::RegisterSet> streamRegisterSet(const StreamCpu &cpu, db::SetKey key, const std::string &file) {
  db::RegisterSet set;
  set.key = std::move(key);
  set.description = "CPU " + std::to_string(cpu.instance_id) + " of migration stream " + file + " (" +
                    std::to_string(cpu.registers.size()) + " registers)";
  for (const StreamRegister &reg : cpu.registers) {
    auto id = RegisterId::fromIndex(reg.index);
    if (!id) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "register index 0x%016llx: ", static_cast<unsigned long long>(reg.index));
      return fail(file + ": " + buf + id.error());
    }
    if (!set.insert(probeEntry(*id, reg.value, "stream:" + file))) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "register index 0x%016llx appears twice", static_cast<unsigned long long>(reg.index));
      return fail(file + ": " + buf);
    }
  }
  return set;
}

std::vector<db::RegisterSet> kvmX86RegisterSets(const KvmX86Probe &probe) {
  const std::string profile = probe.host.profile();
  const std::string host = describeHost(probe.host);
  auto makeSet = [&](const std::string &suffix, const std::string &what) {
    db::RegisterSet s;
    s.key = db::SetKey{"linux", probe.host.kernel_release, "x86_64", "kvm", profile + suffix};
    s.description = what + " on this host: " + host;
    return s;
  };
  db::RegisterSet index = makeSet("", "KVM_GET_MSR_INDEX_LIST");
  db::RegisterSet features = makeSet("+features", "KVM_GET_MSR_FEATURE_INDEX_LIST (values from /dev/kvm)");
  db::RegisterSet vcpu = makeSet("+vcpu", std::string("MSRs a vCPU accepts (KVM_GET_MSRS, vCPU CPUID ") +
                                              (probe.vcpu_cpuid_set ? "= KVM_GET_SUPPORTED_CPUID)" : "unset)"));
  for (const KvmX86Msr &m : probe.msrs) {
    const RegisterId id = msrId(m.index);
    if (m.in_index_list)
      index.insert(probeEntry(id, m.vcpu_accepts ? m.vcpu_value : std::nullopt, "kvm:KVM_GET_MSR_INDEX_LIST"));
    if (m.feature) features.insert(probeEntry(id, m.feature_value, "kvm:KVM_GET_MSR_FEATURE_INDEX_LIST"));
    if (m.vcpu_accepts) vcpu.insert(probeEntry(id, m.vcpu_value, "kvm:KVM_GET_MSRS"));
  }
  return {std::move(index), std::move(features), std::move(vcpu)};
}

Result<db::RegisterSet> kvmArm64RegisterSet(const KvmArm64Probe &probe) {
  db::RegisterSet set;
  set.key = db::SetKey{"linux", probe.host.kernel_release, "arm64", "kvm", probe.options.profile()};
  set.description = "KVM_GET_REG_LIST of a vCPU (target " + std::to_string(probe.target) + ", profile " +
                    probe.options.profile() + ") on this host: " + describeHost(probe.host);
  for (std::uint64_t index : probe.registers) {
    auto id = RegisterId::fromIndex(index);
    if (!id) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "KVM_GET_REG_LIST index 0x%016llx: ", static_cast<unsigned long long>(index));
      return fail(buf + id.error());
    }
    set.insert(probeEntry(*id, std::nullopt, "kvm:KVM_GET_REG_LIST"));
  }
  return set;
}

}  // namespace regcompat::probe
