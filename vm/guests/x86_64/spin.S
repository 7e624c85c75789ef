/* A guest that spins without any VM exit, counting in its parameter block
 * (guest_params.h: counter), until the counter reaches `iterations`
 * (re-read every round, so the VMM can change it while the guest is
 * stopped; 0 = forever); then it exits with status 0. */
#include "guest_params.h"
  .code64
  .section .entry, "ax"
  .globl _start
_start:
  jmp main

  .text
main:
  lea regvm_params(%rip), %rbx
1:
  incq 48(%rbx)            /* counter */
  mov 8(%rbx), %rax        /* iterations */
  test %rax, %rax
  jz 1b
  cmp %rax, 48(%rbx)
  jb 1b
  xor %eax, %eax
  mov $REGVM_EXIT_PORT, %dx
  outl %eax, %dx
2:
  hlt
  jmp 2b
