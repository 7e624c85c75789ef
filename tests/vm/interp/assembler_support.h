// Test support: assembles A64 source with Debian's aarch64-linux-gnu-as at
// test time (tests skip without it) and runs it on an InterpreterCpu with
// 1 MiB of RAM at QEMU virt's RAM base, a PL011 and a console that records
// what the guest printed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device.h"
#include "guest_memory.h"
#include "interpreter_cpu.h"
#include "pl011.h"

namespace regvm::aarch64::testing {

inline constexpr std::uint64_t kRamBase = 0x40000000;
inline constexpr std::uint64_t kRamSize = 1 << 20;
inline constexpr std::uint64_t kDataBase = kRamBase + 0x80000;  // scratch data page

// Machine code of `source` (GNU as syntax, linked at kRamBase), or nullopt
// if the cross assembler is missing. Assembly errors fail the test.
std::optional<std::vector<std::uint8_t>> assemble(const std::string &source);

class StringConsole final : public ConsoleSink {
 public:
  void put(char c) override { text += c; }
  std::string text;
};

class Guest {
 public:
  // Assembles `source` + "brk #0x3ff" and loads it at kRamBase.
  // ok() is false (and the test should GTEST_SKIP) without the assembler.
  explicit Guest(const std::string &source, InterpreterOptions options = {},
                 regcompat::runtime::LocalRegisterList sysregs = {}, bool default_sysregs = true);
  bool ok() const { return cpu_ != nullptr; }

  // Runs to the final BRK; returns the outcome's error for anything else
  // ("" when the program reached its end).
  std::string runToEnd();
  RunOutcome run() { return cpu_->run(); }

  InterpreterCpu &cpu() { return *cpu_; }
  std::uint64_t x(unsigned n) const { return cpu_->state().x[n]; }
  std::uint32_t nzcv() const { return cpu_->state().nzcv; }
  std::uint64_t sp() const { return cpu_->state().x[kSp]; }
  GuestMemory &memory() { return *memory_; }
  std::uint64_t read64(std::uint64_t gpa) const;
  std::string console() const { return console_.text; }
  std::vector<std::string> trapLines() const { return trap_lines_; }

 private:
  std::unique_ptr<GuestMemory> memory_;
  StringConsole console_;
  std::unique_ptr<Pl011> uart_;
  std::vector<std::string> trap_lines_;
  std::unique_ptr<InterpreterCpu> cpu_;
};

} // namespace regvm::aarch64::testing
