// A64 decoder: one instruction word to one Op (exec_context.h), done once
// per instruction when its block is translated. The subset it accepts is
// listed in A64_SUBSET.md; anything else decodes to an Op that stops the VM
// with "unimplemented instruction 0x........ at PC 0x........".
//
// Group decoders follow the Arm ARM's top-level encoding table (C4.1):
// each returns false for an encoding it does not implement.
#pragma once

#include <cstdint>

#include "exec_context.h"

namespace regvm::aarch64 {

class SysregFile;

struct DecodedOp {
  Op op;
  bool ends_block = false;  // branches, exception generation, ISB, MSR, ...
};

DecodedOp decodeInstruction(std::uint32_t insn, std::uint64_t pc, const SysregFile &sysregs);

bool decodeDataProcessingImmediate(std::uint32_t insn, std::uint64_t pc, Op &op);
bool decodeDataProcessingRegister(std::uint32_t insn, Op &op);
bool decodeLoadStore(std::uint32_t insn, std::uint64_t pc, Op &op);
bool decodeBranchExceptionSystem(std::uint32_t insn, std::uint64_t pc, const SysregFile &sysregs,
                                 DecodedOp &out);

} // namespace regvm::aarch64
