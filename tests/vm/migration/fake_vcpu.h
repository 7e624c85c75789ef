// A Vcpu for the migration tests: its "guest" increments a counter and
// writes it into guest RAM page after page (marking the pages dirty, as the
// interpreter does), until it has done `steps` steps, then exits with
// status 0. Its register list and architecture state are plain data.
#pragma once

#include <atomic>
#include <cstring>
#include <thread>

#include "device.h"
#include "guest_memory.h"
#include "vcpu.h"

namespace regvm::test {

class FakeVcpu final : public Vcpu {
 public:
  static constexpr std::uint32_t kArchVersion = 1;

  FakeVcpu(GuestMemory &memory, regcompat::runtime::LocalRegisterList regs, std::uint64_t steps,
           std::uint64_t pages_touched = 8)
      : memory_(memory), regs_(std::move(regs)), steps_(steps), pages_(pages_touched) {}

  std::string_view backend() const override { return "fake"; }

  RunOutcome run() override {
    runs_.fetch_add(1);
    stop_.store(false);
    while (!stop_.load(std::memory_order_acquire)) {
      if (counter_ >= steps_) return {StopReason::GuestExit, 0, {}};
      ++counter_;
      const std::uint64_t page = counter_ % pages_;
      const std::uint64_t gpa = memory_.base() + page * GuestMemory::kPageSize + 8 * (counter_ % 16);
      std::memcpy(memory_.at(gpa), &counter_, 8);
      memory_.markDirty(gpa, 8);
      if (counter_ % 64 == 0) std::this_thread::yield();
    }
    return {StopReason::StopRequested, 0, {}};
  }
  void requestStop() override { stop_.store(true, std::memory_order_release); }

  regcompat::runtime::LocalRegisterList registerList() const override { return regs_; }
  regcompat::runtime::Status
  loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) override {
    loaded_.assign(merged.begin(), merged.end());
    for (auto &r : regs_)
      for (const auto &m : merged)
        if (m.index == r.index && !r.is_constant) r.value = m.value;
    return {};
  }
  void saveArchState(StateWriter &out) const override {
    out.version(kArchVersion);
    out.u64(counter_);
  }
  regcompat::runtime::Status loadArchState(StateReader &in) override {
    in.version(kArchVersion);
    const std::uint64_t c = in.u64();
    if (!in.ok()) return regcompat::fail(in.error());
    counter_ = c;
    return {};
  }

  std::uint64_t counter() const { return counter_; }
  // How many times run() was entered (each pause or throttle rest ends one).
  std::uint64_t runs() const { return runs_.load(); }
  void setSteps(std::uint64_t steps) { steps_ = steps; }
  const regcompat::runtime::StreamRegisterList &loaded() const { return loaded_; }

 private:
  GuestMemory &memory_;
  regcompat::runtime::LocalRegisterList regs_;
  std::uint64_t steps_;
  std::uint64_t pages_;
  std::uint64_t counter_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> runs_{0};
  regcompat::runtime::StreamRegisterList loaded_;
};

// A device with a little versioned state.
class FakeDevice final : public Device {
 public:
  explicit FakeDevice(std::uint32_t value = 0) : value_(value) {}
  std::string_view name() const override { return "fake-uart@0"; }
  void saveState(StateWriter &out) const override {
    out.version(1);
    out.u32(value_);
  }
  regcompat::runtime::Status loadState(StateReader &in) override {
    in.version(1);
    value_ = in.u32();
    if (!in.ok()) return regcompat::fail(in.error());
    return {};
  }
  std::uint32_t value() const { return value_; }

 private:
  std::uint32_t value_;
};

} // namespace regvm::test
