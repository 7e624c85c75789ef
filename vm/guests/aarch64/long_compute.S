// long_compute: the migration end-to-end guest. A long deterministic
// computation that keeps dirtying a 4 MiB buffer (one 4 KiB page per
// iteration, round robin), prints a progress line every 16384 iterations
// and a final checksum of the buffer, and exits 0 if the system registers
// it wrote (TPIDR_EL0, TPIDR_EL1) and the constant ones it read at the
// start (MIDR_EL1, ID_AA64PFR0_EL1) still hold the same values at the end,
// 1 otherwise. A migration that loses or changes them is caught.
//
// `iterations` (64-bit, in .data) is the iteration count: tests patch it
// (run_guest --set iterations=N) or build a variant (--defsym ITERATIONS=N).
// About 2600 instructions per iteration.

.ifndef ITERATIONS
.equ ITERATIONS, 250000
.endif
.equ BUFFER_BYTES, 4 << 20
.equ PROGRESS_MASK, 0x3fff

.section .text.boot
.global _start
_start:
    ldr x1, =stack_top
    mov sp, x1
    adr x0, banner
    bl puts

    // System registers: write two, remember two constants. ID_PFR0 and
    // ID_AA64MMFR0 are constant registers on the migration stream of every
    // release (MIDR_EL1 and ID_AA64PFR0_EL1 are not: QEMU reads them through
    // NO_RAW accessors, so they never travel).
    ldr x1, =0x7470696472656c30     // "tpidrel0"
    msr tpidr_el0, x1
    ldr x1, =0x7470696472656c31
    msr tpidr_el1, x1
    mrs x1, id_pfr0_el1
    mrs x2, id_aa64mmfr0_el1
    adr x3, saved_ids
    stp x1, x2, [x3]

    ldr x19, iterations             // iterations left
    mov x20, #0                     // iteration number
    ldr x21, =0x9e3779b97f4a7c15    // state
    ldr x22, =buffer
    mov x23, #0                     // page offset in the buffer
    ldr x24, =0x5851f42d4c957f2d    // multiplier
    cbz x19, finish

iteration:
    // One page: 512 words, each mixed with the state.
    add x1, x22, x23
    mov x2, #512
1:  ldr x3, [x1]
    madd x3, x3, x24, x21
    eor x21, x21, x3, lsr #13
    add x21, x21, x2
    str x3, [x1], #8
    subs x2, x2, #1
    b.ne 1b
    add x23, x23, #4096
    and x23, x23, #(BUFFER_BYTES - 1)
    add x20, x20, #1
    tst x20, #PROGRESS_MASK
    b.ne 2f
    // Progress, and the system registers read back mid-run.
    adr x0, progress_text
    bl puts
    mov x0, x20
    bl put_hex
    mov w0, #' '
    bl putc
    mov x0, x21
    bl put_hex
    bl newline
    mrs x1, tpidr_el0
    eor x21, x21, x1
2:  subs x19, x19, #1
    b.ne iteration

finish:
    // Checksum of the whole buffer.
    mov x1, x22
    mov x2, #(BUFFER_BYTES / 8)
    mov x3, x21
3:  ldr x4, [x1], #8
    eor x3, x4, x3, ror #7
    subs x2, x2, #1
    b.ne 3b
    adr x0, checksum_text
    bl puts
    mov x0, x3
    bl put_hex
    bl newline

    // The registers must read what was written / first read.
    mov x5, #0
    mrs x1, tpidr_el0
    ldr x2, =0x7470696472656c30
    cmp x1, x2
    cinc x5, x5, ne
    mrs x1, tpidr_el1
    ldr x2, =0x7470696472656c31
    cmp x1, x2
    cinc x5, x5, ne
    adr x3, saved_ids
    ldp x1, x2, [x3]
    mrs x4, id_pfr0_el1
    cmp x1, x4
    cinc x5, x5, ne
    mrs x4, id_aa64mmfr0_el1
    cmp x2, x4
    cinc x5, x5, ne
    cbnz x5, bad
    adr x0, ok_text
    bl puts
    mov w0, #0
    b exit
bad:
    adr x0, bad_text
    bl puts
    mov w0, #1
    b exit

.include "common.inc"

banner: .asciz "long_compute: start\n"
progress_text: .asciz "progress "
checksum_text: .asciz "checksum "
ok_text: .asciz "system registers: ok\n"
bad_text: .asciz "system registers: CHANGED\n"

.section .data
.balign 8
.global iterations
iterations: .quad ITERATIONS
saved_ids: .quad 0, 0

.section .bss
.balign 4096
buffer: .space BUFFER_BYTES
