/* Entry of the C guests: RSP is set by the VMM (0x80000), but set it again
 * so the image does not depend on it. guest_main's return value is the exit
 * status, written to the exit port.
 * No SSE/x87 here (the C code is built with -mgeneral-regs-only): on this
 * project's CI hosts (KVM PVM), KVM fails to emulate SSE instructions in a
 * non-PVM guest (KVM_EXIT_INTERNAL_ERROR on "movq %rax, %xmm7"), so the FPU
 * state is covered by the arch-state tests, not by the guest. */
#include "guest_params.h"
  .code64
  .section .entry, "ax"
  .globl _start
_start:
  jmp entry

  .text
entry:
  mov $0x80000, %rsp
  call guest_main
  mov $REGVM_EXIT_PORT, %dx
  outl %eax, %dx
1:
  hlt
  jmp 1b
