// tight_loop: the interpreter speed benchmark's guest. 4 instructions per
// iteration; the whole run executes 4 * iterations + 16 instructions before
// the output routines (tests/bench/interp_bench patches `iterations`).

.ifndef ITERATIONS
.equ ITERATIONS, 100000000
.endif

.section .text.boot
.global _start
_start:
    ldr x1, =stack_top              // 1
    mov sp, x1                      // 2
    ldr x0, iterations              // 3
    mov x1, #0                      // 4
    mov x2, #1                      // 5
    cbz x0, 2f                      // 6
1:  add x1, x1, x2
    eor x2, x2, x1, lsl #1
    subs x0, x0, #1
    b.ne 1b
2:  mov x0, x1                      // 7
    bl put_hex                      // 8
    bl newline                      // 9
    mov w0, #0                      // 10
    b exit                          // 11 (exit: 5 more)

.include "common.inc"

.section .data
.balign 8
.global iterations
iterations: .quad ITERATIONS
