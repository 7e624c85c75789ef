#include "kvm_test_support.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "long_mode.h"
#include "msr_list.h"

namespace regvm::kvm::test {

void LineSink::put(char c) {
  std::string done;
  {
    std::lock_guard lock(mutex_);
    text_ += c;
    if (c != '\n') {
      line_ += c;
      return;
    }
    done = std::exchange(line_, {});
  }
  if (on_line) on_line(done);
}

std::string LineSink::text() {
  std::lock_guard lock(mutex_);
  return text_;
}

std::unique_ptr<TestGuest> TestGuest::create(const GuestOptions &options) {
  auto guest = std::unique_ptr<TestGuest>(new TestGuest());
  auto system = KvmSystem::open();
  if (!system) {
    ADD_FAILURE() << system.error();
    return nullptr;
  }
  guest->system_ = *system;
  auto memory = GuestMemory::create(0, options.ram_bytes);
  if (!memory) {
    ADD_FAILURE() << memory.error();
    return nullptr;
  }
  guest->memory_ = std::move(std::move(memory).value());
  auto vm = KvmVm::create(guest->system_, *guest->memory_, options.vm);
  if (!vm) {
    ADD_FAILURE() << vm.error();
    return nullptr;
  }
  guest->vm_ = *vm;

  KvmVcpuOptions vcpu_options;
  vcpu_options.msrs = options.msrs;
  if (options.msrs.empty() && options.all_host_msrs) {
    auto host = guest->system_->hostMsrIndexList();
    if (!host) {
      ADD_FAILURE() << host.error();
      return nullptr;
    }
    vcpu_options.msrs = msrRegisterIndexes(*host);
  }
  vcpu_options.pio_devices = {&guest->serial_, &guest->exit_port_};
  vcpu_options.exit_port = &guest->exit_port_;
  auto vcpu = KvmVcpu::create(guest->vm_, std::move(vcpu_options));
  if (!vcpu) {
    ADD_FAILURE() << vcpu.error();
    return nullptr;
  }
  guest->vcpu_ = std::move(std::move(vcpu).value());
  return guest;
}

testing::AssertionResult TestGuest::loadImage(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return testing::AssertionFailure() << "cannot read guest image " << path;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!memory_->contains(REGVM_GUEST_LOAD_ADDRESS, bytes.size()))
    return testing::AssertionFailure() << path << " does not fit in guest RAM";
  std::memcpy(memory_->at(REGVM_GUEST_LOAD_ADDRESS), bytes.data(), bytes.size());
  if (param(0x10) != REGVM_GUEST_PARAMS_MAGIC)
    return testing::AssertionFailure() << path << " has no parameter block at offset 0x10";
  return testing::AssertionSuccess();
}

testing::AssertionResult TestGuest::boot(const std::string &path) {
  if (auto loaded = loadImage(path); !loaded) return loaded;
  auto st = vcpu_->boot(REGVM_GUEST_LOAD_ADDRESS);
  if (!st) return testing::AssertionFailure() << st.error();
  return testing::AssertionSuccess();
}

void TestGuest::setParam(std::uint32_t image_offset, std::uint64_t value) {
  std::memcpy(memory_->at(REGVM_GUEST_LOAD_ADDRESS + image_offset), &value, sizeof value);
}

std::uint64_t TestGuest::param(std::uint32_t image_offset) const {
  std::uint64_t value = 0;
  std::memcpy(&value, memory_->at(REGVM_GUEST_LOAD_ADDRESS + image_offset), sizeof value);
  return value;
}

std::string guestImage(const char *name) {
  const std::string n = name;
  if (n == "exit_value") return REGVM_GUEST_EXIT_VALUE;
  if (n == "spin") return REGVM_GUEST_SPIN;
  if (n == "dirty_pages") return REGVM_GUEST_DIRTY_PAGES;
  if (n == "long_compute") return REGVM_GUEST_LONG_COMPUTE;
  ADD_FAILURE() << "no guest image " << name;
  return {};
}

}  // namespace regvm::kvm::test
