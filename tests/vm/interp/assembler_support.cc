#include "assembler_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "test_sysregs.h"

namespace regvm::aarch64::testing {

namespace {
bool haveTool(const char *tool) {
  std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}
} // namespace

std::optional<std::vector<std::uint8_t>> assemble(const std::string &source) {
  static const bool available = haveTool("aarch64-linux-gnu-as") && haveTool("aarch64-linux-gnu-objcopy");
  if (!available) return std::nullopt;
  char dir[] = "/tmp/regvm-asm-XXXXXX";
  if (!mkdtemp(dir)) {
    ADD_FAILURE() << "mkdtemp failed";
    return std::vector<std::uint8_t>{};
  }
  std::string d = dir;
  {
    std::ofstream out(d + "/t.S");
    out << source << "\n";
  }
  std::string cmd = "cd " + d + " && aarch64-linux-gnu-as -o t.o t.S 2> as.log && "
                    "aarch64-linux-gnu-objcopy -O binary -j .text t.o t.bin";
  int rc = std::system(cmd.c_str());
  std::vector<std::uint8_t> bytes;
  if (rc != 0) {
    std::ifstream log(d + "/as.log");
    ADD_FAILURE() << "assembly failed:\n"
                  << std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>())
                  << "\nsource:\n"
                  << source;
  } else {
    std::ifstream in(d + "/t.bin", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::system(("rm -rf " + d).c_str());
  return bytes;
}

Guest::Guest(const std::string &source, InterpreterOptions options,
             regcompat::runtime::LocalRegisterList sysregs, bool default_sysregs) {
  auto code = assemble(source + "\n    brk #0x3ff\n");
  if (!code) return;
  auto mem = GuestMemory::create(kRamBase, kRamSize);
  if (!mem) {
    ADD_FAILURE() << mem.error();
    return;
  }
  memory_ = std::move(mem).value();
  std::memcpy(memory_->host(), code->data(), code->size());
  uart_ = std::make_unique<Pl011>(Pl011::kVirtBase, &console_);
  if (!options.trap_sink)
    options.trap_sink = [this](const std::string &line) { trap_lines_.push_back(line); };
  if (default_sysregs) sysregs = cortexA57RegisterList();
  cpu_ = std::make_unique<InterpreterCpu>(*memory_, std::vector<MmioDevice *>{uart_.get()}, &console_,
                                          kRamBase, std::move(sysregs), std::move(options));
  cpu_->state().x[kSp] = kRamBase + kRamSize;
}

std::string Guest::runToEnd() {
  RunOutcome o = cpu_->run();
  if (o.reason == StopReason::Error && o.error.rfind("BRK #1023 ", 0) == 0) return "";
  if (o.reason == StopReason::GuestExit) return "guest exit " + std::to_string(o.exit_status);
  if (o.reason == StopReason::StopRequested) return "stop requested";
  return o.error;
}

std::uint64_t Guest::read64(std::uint64_t gpa) const {
  std::uint64_t v = 0;
  std::memcpy(&v, memory_->at(gpa), 8);
  return v;
}

} // namespace regvm::aarch64::testing
