/* The smallest regvm x86_64 guest: stores a known value at guest-physical
 * 0x200000, prints "hello from the guest\n" on COM1 and exits with status
 * 42 through the exit port. */
#include "guest_params.h"
  .code64
  .section .entry, "ax"
  .globl _start
_start:
  jmp main

  .text
main:
  movabs $0x1122334455667788, %rax
  movq %rax, 0x200000
  lea message(%rip), %rsi
  mov $REGVM_SERIAL_PORT, %dx
1:
  lodsb
  test %al, %al
  jz 2f
  outb %al, %dx
  jmp 1b
2:
  mov $42, %eax
  mov $REGVM_EXIT_PORT, %dx
  outl %eax, %dx
3:
  hlt
  jmp 3b

  .section .rodata
message:
  .asciz "hello from the guest\n"
