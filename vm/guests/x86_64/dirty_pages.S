/* A guest that writes one byte into every `stride_pages`-th page of
 * [dirty_base, dirty_base + dirty_bytes) and exits with status 0. It uses
 * no stack and touches no other memory, so a dirty log must show exactly
 * those pages (guest_params.h). */
#include "guest_params.h"
  .code64
  .section .entry, "ax"
  .globl _start
_start:
  jmp main

  .text
main:
  lea regvm_params(%rip), %rbx
  mov 16(%rbx), %rdi       /* dirty_base */
  mov %rdi, %rsi
  add 24(%rbx), %rsi       /* end */
  mov 40(%rbx), %rcx       /* stride_pages */
  shl $12, %rcx
1:
  cmp %rsi, %rdi
  jae 2f
  movb $0x5a, (%rdi)
  add %rcx, %rdi
  jmp 1b
2:
  xor %eax, %eax
  mov $REGVM_EXIT_PORT, %dx
  outl %eax, %dx
3:
  hlt
  jmp 3b
