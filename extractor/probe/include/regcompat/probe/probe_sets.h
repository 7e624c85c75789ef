// Probe results as database register sets (regcompat/db/register_set.h),
// with "probe" provenance (kvm:..., stream:FILE).
#pragma once

#include <string>
#include <vector>

#include "regcompat/db/register_set.h"
#include "regcompat/probe/kvm_probe.h"
#include "regcompat/probe/migration_stream.h"
#include "regcompat/result.h"

namespace regcompat::probe {

// One CPU's list from a migration stream: every register with its value,
// provenance "stream:FILE". The stream does not name the QEMU release nor the
// CPU model, so the caller gives the key (e.g. qemu/7.2/arm64/tcg/cortex-a57).
// Fails when an index is not a valid register id (the error names it).
Result<db::RegisterSet> streamRegisterSet(const StreamCpu &cpu, db::SetKey key,
                                          const std::string &file);

// The x86 probe as three sets keyed linux/<uname -r>/x86_64/kvm/<profile>:
//   <host profile>           KVM_GET_MSR_INDEX_LIST (values: the vCPU's
//                            initial value where the vCPU accepts the MSR)
//   <host profile>+features  KVM_GET_MSR_FEATURE_INDEX_LIST, with the values
//                            KVM_GET_MSRS on /dev/kvm returned
//   <host profile>+vcpu      the MSRs a vCPU accepts (KVM_GET_MSRS)
// Each description records the host (kernel, CPU, CPUID features).
std::vector<db::RegisterSet> kvmX86RegisterSets(const KvmX86Probe &probe);

// The arm64 probe as one set linux/<uname -r>/arm64/kvm/<options profile>.
Result<db::RegisterSet> kvmArm64RegisterSet(const KvmArm64Probe &probe);

// "kernel 6.18.44 (x86_64), GenuineIntel family 6 model 207 stepping 2
// (Intel(R) Xeon(R) Processor), features: arch_capabilities,..."
std::string describeHost(const HostInfo &host);

}  // namespace regcompat::probe
