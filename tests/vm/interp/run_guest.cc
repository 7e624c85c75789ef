// run_guest: runs a bare-metal AArch64 guest ELF on regvm's interpreter CPU
// on QEMU virt's memory map (RAM at 0x40000000, PL011 at 0x09000000), prints
// the guest's console on stdout and exits with the guest's status, so that
// tests can compare it with qemu-system-aarch64 -M virt -semihosting.
//
// usage: run_guest [--ram-mib N] [--set SYMBOL=VALUE]... [--strict-sysregs]
//                  [--handoff-every-ms N] GUEST.elf
//   --set               patch a 64-bit word at a symbol (e.g. iterations=10)
//   --handoff-every-ms  every N ms stop the CPU, save its arch state and
//                       register list, and continue on a fresh CPU loaded
//                       from them (what a migration does to the vCPU)
// Exit status: the guest's (low 8 bits); 125 when the VM stopped with an
// error (message on stderr); 2 usage; 3 bad guest image.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "elf_loader.h"
#include "interpreter_cpu.h"
#include "pl011.h"
#include "test_sysregs.h"

namespace {

constexpr std::uint64_t kRamBase = 0x40000000;  // QEMU hw/arm/virt.c VIRT_MEM

class StdoutConsole final : public regvm::ConsoleSink {
 public:
  void put(char c) override {
    std::fputc(c, stdout);
    if (c == '\n') std::fflush(stdout);
  }
};

int usage() {
  std::fprintf(stderr,
               "usage: run_guest [--ram-mib N] [--set SYMBOL=VALUE]... [--strict-sysregs]\n"
               "                 [--handoff-every-ms N] GUEST.elf\n");
  return 2;
}

bool parseU64(const char *s, std::uint64_t &out) {
  char *end = nullptr;
  errno = 0;
  out = std::strtoull(s, &end, 0);
  return errno == 0 && end != s && *end == 0;
}

} // namespace

int main(int argc, char **argv) {
  std::uint64_t ram_mib = 128, handoff_ms = 0;
  bool strict = false;
  std::vector<std::pair<std::string, std::uint64_t>> patches;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ram-mib" && i + 1 < argc) {
      if (!parseU64(argv[++i], ram_mib) || ram_mib == 0 || ram_mib > 65536) return usage();
    } else if (a == "--handoff-every-ms" && i + 1 < argc) {
      if (!parseU64(argv[++i], handoff_ms)) return usage();
    } else if (a == "--set" && i + 1 < argc) {
      std::string kv = argv[++i];
      auto eq = kv.find('=');
      std::uint64_t v = 0;
      if (eq == std::string::npos || !parseU64(kv.c_str() + eq + 1, v)) return usage();
      patches.emplace_back(kv.substr(0, eq), v);
    } else if (a == "--strict-sysregs") {
      strict = true;
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();

  auto image = regvm::ElfImage::readFile(path, regvm::kElfMachineAarch64);
  if (!image) {
    std::fprintf(stderr, "run_guest: %s\n", image.error().c_str());
    return 3;
  }
  auto memory = regvm::GuestMemory::create(kRamBase, ram_mib << 20);
  if (!memory) {
    std::fprintf(stderr, "run_guest: %s\n", memory.error().c_str());
    return 3;
  }
  regvm::GuestMemory &ram = **memory;
  if (auto st = image->loadInto(ram); !st) {
    std::fprintf(stderr, "run_guest: %s\n", st.error().c_str());
    return 3;
  }
  for (const auto &[symbol, value] : patches) {
    auto addr = image->symbol(symbol);
    if (!addr || !ram.contains(*addr, 8)) {
      std::fprintf(stderr, "run_guest: %s: no symbol '%s' in guest RAM\n", path.c_str(), symbol.c_str());
      return 3;
    }
    std::memcpy(ram.at(*addr), &value, 8);
  }

  StdoutConsole console;
  regvm::Pl011 uart(regvm::Pl011::kVirtBase, &console);
  regvm::aarch64::InterpreterOptions options;
  options.strict_sysregs = strict;
  auto makeCpu = [&](std::uint64_t pc) {
    return std::make_unique<regvm::aarch64::InterpreterCpu>(
        ram, std::vector<regvm::MmioDevice *>{&uart}, &console, pc,
        regvm::aarch64::testing::cortexA57RegisterList(), options);
  };
  auto cpu = makeCpu(image->entry());

  regvm::RunOutcome outcome;
  for (;;) {
    std::thread stopper;
    bool done = false;
    if (handoff_ms) {
      stopper = std::thread([&cpu, handoff_ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(handoff_ms));
        cpu->requestStop();
      });
    }
    outcome = cpu->run();
    if (stopper.joinable()) stopper.join();
    if (outcome.reason != regvm::StopReason::StopRequested) done = true;
    if (done) break;
    // Hand the vCPU over, as a migration would: arch state and register list.
    regvm::StateWriter w;
    cpu->saveArchState(w);
    auto list = cpu->registerList();
    auto fresh = makeCpu(0);
    regvm::StateReader r(w.bytes(), 0, "arch state");
    std::vector<regcompat::runtime::StreamRegister> merged;
    for (const auto &reg : list) merged.push_back({reg.index, reg.value});
    if (auto st = fresh->loadArchState(r); !st) {
      std::fprintf(stderr, "run_guest: handoff: %s\n", st.error().c_str());
      return 125;
    }
    if (auto st = fresh->loadRegisterList(merged); !st) {
      std::fprintf(stderr, "run_guest: handoff: %s\n", st.error().c_str());
      return 125;
    }
    cpu = std::move(fresh);
  }
  std::fflush(stdout);
  if (outcome.reason == regvm::StopReason::Error) {
    std::fprintf(stderr, "run_guest: %s: %s\n", path.c_str(), outcome.error.c_str());
    return 125;
  }
  return outcome.exit_status & 0xff;
}
