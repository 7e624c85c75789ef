#include "cli_backends.h"

#include <fstream>
#include <iterator>

#include "regcompat/runtime/save_side.h"

#if REGVM_HAVE_AARCH64_INTERP
#include "elf_loader.h"
#include "interpreter_cpu.h"
#include "pl011.h"
#include "software_dirty_log.h"
#endif
#if REGVM_HAVE_X86_KVM
#include "debug_exit_port.h"
#include "elf_loader.h"
#include "kvm_dirty_log.h"
#include "kvm_system.h"
#include "kvm_vcpu.h"
#include "kvm_vm.h"
#include "long_mode.h"
#include "msr_list.h"
#include "serial_8250.h"
#endif

namespace regvm::cli {

namespace {

[[noreturn]] void failWith(int code, const std::string &message) { throw Failure{code, message}; }

std::unique_ptr<GuestMemory> makeMemory(std::uint64_t base, std::uint64_t size) {
  auto memory = GuestMemory::create(base, size);
  if (!memory) failWith(kExitBadInput, memory.error());
  return std::move(memory).value();
}

void writeU64(GuestMemory &memory, std::uint64_t gpa, std::uint64_t value, const std::string &what) {
  if (!memory.contains(gpa, 8))
    failWith(kExitBadInput, what + " at guest address " + std::to_string(gpa) + " is outside guest RAM");
  for (int i = 0; i < 8; ++i) memory.at(gpa)[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

#if REGVM_HAVE_AARCH64_INTERP
// QEMU virt's memory map (hw/arm/virt.c base_memmap): RAM at 1 GiB.
constexpr std::uint64_t kVirtRamBase = 0x40000000;

Backend createAarch64Interpreter(const BackendRequest &r) {
  Backend b;
  b.parts.memory = makeMemory(kVirtRamBase, r.memory_size);
  b.parts.console = r.console;
  auto uart = std::make_unique<Pl011>(Pl011::kVirtBase, r.console.get());
  std::uint64_t entry = kVirtRamBase;
  if (!r.incoming) {
    if (r.options.image.empty()) failWith(kExitUsage, "--image is required (unless --incoming)");
    auto image = ElfImage::readFile(r.options.image, kElfMachineAarch64);
    if (!image) failWith(kExitBadInput, image.error());
    if (auto s = image->loadInto(*b.parts.memory); !s) failWith(kExitBadInput, s.error());
    for (const auto &[name, value] : r.guest_params) {
      auto address = image->symbol(name);
      if (!address) failWith(kExitBadInput, "--guest-param " + name + ": " + r.options.image + " has no symbol '" + name + "'");
      writeU64(*b.parts.memory, *address, value, "--guest-param " + name);
    }
    entry = image->entry();
  }
  auto visible = regcompat::runtime::visibleRegisters(r.platform.registers, r.table);
  auto cpu = std::make_unique<aarch64::InterpreterCpu>(*b.parts.memory, std::vector<MmioDevice *>{uart.get()},
                                                       r.console.get(), entry, std::move(visible));
  auto *cpu_ptr = cpu.get();
  b.after_incoming = [cpu_ptr] { cpu_ptr->invalidateCode(); };
  b.parts.vcpu = std::move(cpu);
  b.parts.devices.push_back(std::move(uart));
  b.parts.dirty_log = std::make_unique<SoftwareDirtyLog>(*b.parts.memory);
  return b;
}
#endif

#if REGVM_HAVE_X86_KVM
// regvm's x86 guests (vm/guests/x86_64/guest_params.h): a flat image at
// 1 MiB whose parameter block sits at offset 0x10.
constexpr std::uint64_t kX86ImageBase = 0x100000;
constexpr std::uint64_t kX86ParamsOffset = 0x10;
constexpr std::pair<const char *, std::uint64_t> kX86Params[] = {
    {"iterations", 8}, {"dirty_base", 16}, {"dirty_bytes", 24},
    {"progress_every", 32}, {"stride_pages", 40}, {"counter", 48},
};

std::uint64_t loadX86Image(GuestMemory &memory, const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) failWith(kExitBadInput, "cannot read guest image " + path);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
    auto image = ElfImage::parse(std::move(bytes), path, kElfMachineX86_64);
    if (!image) failWith(kExitBadInput, image.error());
    if (auto s = image->loadInto(memory); !s) failWith(kExitBadInput, s.error());
    return image->entry();
  }
  if (bytes.empty() || !memory.contains(kX86ImageBase, bytes.size()))
    failWith(kExitBadInput, "guest image " + path + " (" + std::to_string(bytes.size()) +
                                " bytes) is empty or does not fit in guest RAM at 1 MiB");
  std::copy(bytes.begin(), bytes.end(), memory.at(kX86ImageBase));
  return kX86ImageBase;
}

Backend createX86Kvm(const BackendRequest &r) {
  Backend b;
  auto system = kvm::KvmSystem::open();
  if (!system) failWith(kExitFailure, system.error());
  std::shared_ptr<kvm::KvmSystem> sys = std::move(system).value();
  b.keep_alive.push_back(sys);
  b.parts.memory = makeMemory(0, r.memory_size);
  b.parts.console = r.console;
  auto vm_result = kvm::KvmVm::create(sys, *b.parts.memory);
  if (!vm_result) failWith(kExitFailure, vm_result.error());
  std::shared_ptr<kvm::KvmVm> vm = std::move(vm_result).value();
  b.keep_alive.push_back(vm);

  // The register list: the host's MSRs restricted to the emulated kernel's
  // set, minus the machine type's hidden registers.
  auto host = sys->hostMsrIndexList();
  if (!host) failWith(kExitFailure, host.error());
  std::vector<std::uint64_t> release_set;
  for (const auto &reg : r.platform.registers) release_set.push_back(reg.index);
  auto msrs = kvm::restrictMsrList(*host, release_set,
                                   {r.table.hidden().data(), r.table.hidden().size()});

  auto serial = std::make_unique<Serial8250>(*r.console);
  auto exit_port = std::make_unique<DebugExitPort>();
  kvm::KvmVcpuOptions options;
  options.msrs = msrs;
  options.pio_devices = {serial.get(), exit_port.get()};
  options.exit_port = exit_port.get();
  auto vcpu = kvm::KvmVcpu::create(vm, std::move(options));
  if (!vcpu) failWith(kExitFailure, vcpu.error());
  b.notes.push_back("x86_64 register list: " + std::to_string((*vcpu)->msrList().size()) + " MSRs (host " +
                    std::to_string(host->size()) + " & " + r.platform.id + " " +
                    std::to_string(release_set.size()) + " - " + std::to_string(r.table.hidden().size()) +
                    " hidden; " + std::to_string((*vcpu)->refusedMsrs().size()) + " refused by KVM)");
  if (!r.incoming) {
    if (r.options.image.empty()) failWith(kExitUsage, "--image is required (unless --incoming)");
    const std::uint64_t entry = loadX86Image(*b.parts.memory, r.options.image);
    for (const auto &[name, value] : r.guest_params) {
      std::optional<std::uint64_t> offset;
      std::string names;
      for (const auto &[n, o] : kX86Params) {
        names += (names.empty() ? "" : ", ") + std::string(n);
        if (name == n) offset = o;
      }
      if (!offset) failWith(kExitBadInput, "--guest-param " + name + ": unknown; x86_64 guests take " + names);
      writeU64(*b.parts.memory, kX86ImageBase + kX86ParamsOffset + *offset, value, "--guest-param " + name);
    }
    if (auto s = (*vcpu)->boot(entry); !s) failWith(kExitFailure, s.error());
  }
  b.parts.vcpu = std::move(vcpu).value();
  b.parts.devices.push_back(std::move(serial));
  b.parts.devices.push_back(std::move(exit_port));
  b.parts.dirty_log = std::make_unique<kvm::KvmDirtyLog>(vm);
  return b;
}
#endif

} // namespace

std::vector<std::string> builtBackends() {
  std::vector<std::string> out;
#if REGVM_HAVE_AARCH64_INTERP
  out.push_back("aarch64/tcg");
#endif
#if REGVM_HAVE_X86_KVM
  out.push_back("x86_64/kvm");
#endif
  return out;
}

Backend createBackend(const BackendRequest &r) {
  const std::string key = r.options.arch + "/" + r.platform.accel;
#if REGVM_HAVE_AARCH64_INTERP
  if (key == "aarch64/tcg") return createAarch64Interpreter(r);
#endif
#if REGVM_HAVE_X86_KVM
  if (key == "x86_64/kvm") return createX86Kvm(r);
#endif
  std::string built;
  for (const auto &k : builtBackends()) built += (built.empty() ? "" : ", ") + k;
  failWith(kExitBadInput, "this regvm has no " + key + " back end (built: " +
                              (built.empty() ? "none" : built) + ")");
}

} // namespace regvm::cli
