// Machines over FakeVcpu for the migration tests.
#pragma once

#include <memory>

#include "fake_vcpu.h"
#include "machine.h"
#include "software_dirty_log.h"
#include "stream_format.h"

namespace regvm::test {

inline constexpr std::uint64_t kTestRamBase = 0x40000000;

struct TestMachine {
  FakeVcpu *vcpu = nullptr;
  FakeDevice *device = nullptr;
  std::unique_ptr<Machine> machine;
};

// `dirty_log`: the machine's dirty log, GuestMemory's software tracking when
// null.
inline TestMachine makeMachine(std::uint64_t pages, regcompat::runtime::LocalRegisterList regs,
                               std::uint64_t steps, RunState initial = RunState::Prelaunch,
                               std::uint32_t device_value = 0, std::unique_ptr<DirtyLog> dirty_log = nullptr) {
  TestMachine t;
  MachineParts parts;
  parts.memory = std::move(GuestMemory::create(kTestRamBase, pages * GuestMemory::kPageSize)).value();
  auto vcpu = std::make_unique<FakeVcpu>(*parts.memory, std::move(regs), steps);
  t.vcpu = vcpu.get();
  parts.vcpu = std::move(vcpu);
  auto device = std::make_unique<FakeDevice>(device_value);
  t.device = device.get();
  parts.devices.push_back(std::move(device));
  parts.dirty_log = dirty_log ? std::move(dirty_log) : std::make_unique<SoftwareDirtyLog>(*parts.memory);
  t.machine = std::make_unique<Machine>(std::move(parts), "aarch64", "virt-10.0", "test/1/tcg/max", initial);
  return t;
}

inline stream::StreamHeader testHeader(const std::string &platform = "test/1/tcg/max") {
  return {"aarch64", "virt-10.0", platform, "fake", true, 0, 0, 4096};
}

} // namespace regvm::test
