// Register/ALU/load-store exerciser: each check prints one line
// "<x0 as hex> <NZCV>" over the PL011, then the program prints X0..X30
// and NZCV and exits 0 through semihosting. The differential test compares
// the whole output with QEMU's.

.macro R reg
    mov x0, \reg
    bl report
.endm

.section .text.boot
.global _start
_start:
    ldr x1, =stack_top
    mov sp, x1
    adr x0, banner
    bl puts

    // --- add/subtract (immediate), flags ----------------------------------
    mov x2, #100
    add x1, x2, #4095
    R x1
    add x1, x1, #1, lsl #12
    R x1
    subs x3, x1, x1
    R x3
    mov w5, #-1
    adds w4, w5, #1
    R x4
    mov x6, #0x7fffffffffffffff
    adds x6, x6, #1
    R x6
    cmn x6, #1
    R x6
    mov w8, wzr
    subs w7, w8, #1
    R x7
    mov x7, sp
    sub sp, sp, #32
    mov x8, sp
    add sp, sp, #32
    sub x8, x7, x8
    R x8

    // --- logical (immediate), move wide, PC-relative -----------------------
    ldr x1, =0x123456789abcdef0
    and x2, x1, #0x5555555555555555
    R x2
    orr x2, x1, #0xff00ff00ff00ff00
    R x2
    eor w2, w1, #0x0f0f0f0f
    R x2
    ands x2, x1, #0x8000000000000000
    R x2
    tst w1, #1
    R x1
    movz x3, #0xbeef, lsl #32
    movk x3, #0xdead, lsl #48
    movk x3, #0x1234
    R x3
    movn x3, #0
    R x3
    movn w3, #0x1234, lsl #16
    R x3
    adr x4, banner
    R x4
    adrp x4, banner
    R x4

    // --- bitfield, extract ------------------------------------------------
    ldr x1, =0xf0e1d2c3b4a59687
    ubfx x2, x1, #4, #12
    R x2
    sbfx x2, x1, #60, #4
    R x2
    sbfx w2, w1, #4, #8
    R x2
    ubfiz x2, x1, #60, #4
    R x2
    sbfiz x2, x1, #8, #8
    R x2
    mov x2, #-1
    bfi x2, x1, #16, #8
    R x2
    bfxil x2, x1, #56, #8
    R x2
    bfi w2, w1, #28, #4
    R x2
    lsl x2, x1, #63
    R x2
    lsr x2, x1, #63
    R x2
    asr x2, x1, #63
    R x2
    asr w2, w1, #31
    R x2
    lsl w2, w1, #0
    R x2
    sxtb x2, w1
    R x2
    sxth w2, w1
    R x2
    sxtw x2, w1
    R x2
    uxtb w2, w1
    R x2
    uxth w2, w1
    R x2
    extr x2, x1, x3, #17
    R x2
    extr w2, w1, w3, #31
    R x2
    ror x2, x1, #1
    R x2
    extr x2, x1, x3, #0
    R x2

    // --- shifted and extended register ------------------------------------
    ldr x3, =0x8000000000000001
    add x2, x1, x3, lsl #4
    R x2
    sub x2, x1, x3, lsr #63
    R x2
    adds x2, x1, x3, asr #1
    R x2
    subs w2, w1, w3, lsl #31
    R x2
    neg x2, x1
    R x2
    negs x2, xzr
    R x2
    and x2, x1, x3, ror #1
    R x2
    bic x2, x1, x3
    R x2
    orn w2, w1, w3, lsr #3
    R x2
    eon x2, x1, x3, asr #2
    R x2
    bics x2, x3, x3
    R x2
    mvn x2, x1
    R x2
    mov x4, #-3
    add x2, x1, w4, sxtw #2
    R x2
    add x2, x1, w4, uxtw #4
    R x2
    sub w2, w1, w4, uxtb
    R x2
    adds x2, x1, w4, sxth #1
    R x2
    mov x5, sp
    add x2, sp, x4, lsl #3
    sub x2, x2, x5
    R x2
    cmp x1, w4, sxtb
    R x1

    // --- add/subtract with carry ------------------------------------------
    mov x2, #-1
    adds x3, x2, #1
    adc x3, x2, x2
    R x3
    adcs w3, w2, wzr
    R x3
    sbc x3, xzr, xzr
    R x3
    mov x9, #0
    cmp x9, #1
    sbcs x3, x1, x2
    R x3
    ngc w3, w1
    R x3

    // --- variable shifts, division ----------------------------------------
    mov x4, #0
    lsl x2, x1, x4
    R x2
    mov x4, #63
    lsl x2, x1, x4
    R x2
    mov x4, #64
    lsr x2, x1, x4
    R x2
    mov x4, #65
    asr x2, x1, x4
    R x2
    mov x4, #33
    lsr w2, w1, w4
    R x2
    ror x2, x1, x4
    R x2
    ror w2, w1, w4
    R x2
    mov x4, #7
    udiv x2, x1, x4
    R x2
    sdiv x2, x1, x4
    R x2
    sdiv w2, w1, w4
    R x2
    udiv x2, x1, xzr
    R x2
    sdiv x2, x1, xzr
    R x2
    mov x5, #0x8000000000000000
    mov x6, #-1
    sdiv x2, x5, x6
    R x2
    mov w5, #0x80000000
    sdiv w2, w5, w6
    R x2

    // --- multiply ---------------------------------------------------------
    mov x4, #-12345
    madd x2, x1, x4, x3
    R x2
    msub x2, x1, x4, x3
    R x2
    mul w2, w1, w4
    R x2
    mneg x2, x1, x1
    R x2
    smull x2, w1, w4
    R x2
    umull x2, w1, w4
    R x2
    smaddl x2, w1, w4, x1
    R x2
    umsubl x2, w1, w4, x1
    R x2
    smulh x2, x1, x4
    R x2
    umulh x2, x1, x4
    R x2
    smulh x2, x1, x1
    R x2

    // --- 1-source: bit and byte reversal, counting --------------------------
    clz x2, x1
    R x2
    clz x2, xzr
    R x2
    clz w2, w4
    R x2
    lsr x5, x1, #40
    clz w2, w5
    R x2
    cls x2, x1
    R x2
    cls w2, w4
    R x2
    cls x2, xzr
    R x2
    rbit x2, x1
    R x2
    rbit w2, w1
    R x2
    rev x2, x1
    R x2
    rev w2, w1
    R x2
    rev16 x2, x1
    R x2
    rev32 x2, x1
    R x2
    rev16 w2, w1
    R x2

    // --- conditional select and compare -------------------------------------
    mov x5, #5
    mov x6, #6
    cmp x5, x6
    csel x2, x5, x6, lt
    R x2
    csinc x2, x5, x6, ge
    R x2
    csinv x2, x5, x6, hi
    R x2
    csneg x2, x5, x6, eq
    R x2
    cset x2, ne
    R x2
    csetm w2, ls
    R x2
    cinc x2, x5, mi
    R x2
    cneg x2, x5, pl
    R x2
    csel x2, x5, x6, al
    R x2
    ccmp x5, #5, #0, lt
    R x5
    ccmp x5, #5, #0xf, gt
    R x5
    ccmn x5, x6, #2, ne
    R x5
    ccmp w5, w6, #0, ne
    R x5

    // --- every condition code, for several flag settings ----------------------
    mov x19, #0
    mov x20, #0
1:  msr nzcv, x19
    bl conditions
    lsl x20, x20, #1
    eor x20, x20, x0
    mov x21, #0x10000000
    add x19, x19, x21
    mov x21, #0x100000000
    cmp x19, x21
    b.ne 1b
    R x20

    // --- loads and stores ---------------------------------------------------
    adr x10, scratch
    ldr x1, =0x8192a3b4c5d6e7f8
    str x1, [x10]
    strb w1, [x10, #8]
    strh w1, [x10, #10]
    str w1, [x10, #12]
    ldr x2, [x10, #8]
    R x2
    ldrb w2, [x10, #7]
    R x2
    ldrsb x2, [x10, #7]
    R x2
    ldrsb w2, [x10, #7]
    R x2
    ldrh w2, [x10, #6]
    R x2
    ldrsh x2, [x10, #6]
    R x2
    ldrsh w2, [x10, #6]
    R x2
    ldrsw x2, [x10, #4]
    R x2
    ldr w2, [x10, #4]
    R x2
    add x11, x10, #16
    ldur x2, [x11, #-15]
    R x2
    stur w1, [x11, #-3]
    ldur x2, [x11, #-8]
    R x2
    mov x11, x10
    str x1, [x11, #16]!
    sub x2, x11, x10
    R x2
    ldr x3, [x11], #-8
    sub x2, x11, x10
    R x2
    R x3
    ldrb w3, [x11, #1]!
    R x3
    mov x4, #2
    ldr x2, [x10, x4, lsl #3]
    R x2
    ldr w2, [x10, x4]
    R x2
    mov w4, #-1
    ldrsb x2, [x11, w4, sxtw]
    R x2
    mov x4, #1
    ldrh w2, [x10, w4, uxtw #1]
    R x2
    strh w1, [x10, x4, lsl #1]
    ldr x2, [x10]
    R x2
    ldr x2, literal64
    R x2
    ldr w2, literal64
    R x2
    ldrsw x2, literal64 + 4
    R x2
    prfm pldl1keep, [x10]

    // --- pairs ---------------------------------------------------------------
    mov x3, #-2
    stp x1, x3, [x10, #32]
    ldp x4, x5, [x10, #32]
    add x2, x4, x5
    R x2
    stp w1, w3, [x10, #48]
    ldpsw x4, x5, [x10, #48]
    R x4
    R x5
    ldp w4, w5, [x10, #48]
    R x4
    mov x11, x10
    stp x5, x4, [x11, #64]!
    sub x2, x11, x10
    R x2
    ldp x6, x7, [x11], #-16
    sub x2, x11, x10
    R x2
    R x6
    stp xzr, xzr, [x11, #-16]
    ldp x6, x7, [x11, #-16]
    orr x2, x6, x7
    R x2
    stnp x1, x1, [x10]
    ldnp x6, x7, [x10]
    R x7

    // --- exclusives, acquire/release ----------------------------------------
    ldxr x2, [x10]
    add x2, x2, #1
    stxr w3, x2, [x10]
    R x3
    ldr x2, [x10]
    R x2
    ldaxr w2, [x10]
    clrex
    stlxr w3, w2, [x10]
    R x3
    stxr w3, x2, [x10]
    R x3
    ldxrb w2, [x10]
    stxrb w3, w2, [x10]
    R x3
    stlr x1, [x10]
    ldar w2, [x10]
    R x2
    ldarh w2, [x10]
    R x2

    // --- branches -------------------------------------------------------------
    mov x2, #0
    bl bump
    adr x5, bump
    blr x5
    R x2
    adr x5, 2f
    br x5
    mov x2, #0x999
2:  R x2
    mov x3, #0x100000000
    cbz w3, 3f
    mov x2, #1
3:  R x2
    cbnz x3, 4f
    mov x2, #2
4:  R x2
    mov x3, #0x8000000000000000
    tbz x3, #63, 5f
    add x2, x2, #0x10
5:  tbnz w3, #0, 6f
    add x2, x2, #0x100
6:  R x2
    ldr x5, =branch_table
    mov x6, #1
    ldr x5, [x5, x6, lsl #3]
    br x5
7:  mov x2, #0x70
    b 9f
8:  mov x2, #0x80
9:  R x2

    // --- system registers and PSTATE ------------------------------------------
    ldr x1, =0x1122334455667788
    msr tpidr_el0, x1
    msr tpidr_el1, xzr
    mrs x2, tpidr_el0
    R x2
    mrs x2, tpidr_el1
    R x2
    mrs x2, midr_el1
    R x2
    mrs x2, id_aa64pfr0_el1
    R x2
    mrs x2, currentel
    R x2
    mrs x2, daif
    R x2
    msr daifclr, #0xa
    mrs x2, daif
    R x2
    msr daifset, #0xf
    mrs x2, daif
    R x2
    mov x2, #0x60000000
    msr nzcv, x2
    mrs x2, nzcv
    R x2
    mrs x2, spsel
    R x2
    ldr x3, =stack_el0
    msr sp_el0, x3
    msr spsel, #0
    mov x4, sp
    msr spsel, #1
    sub x2, x4, x3
    R x2
    mrs x2, sp_el0
    sub x2, x2, x3
    R x2

    // --- exceptions: SVC to VBAR_EL1, ERET ---------------------------------------
    ldr x1, =vectors
    msr vbar_el1, x1
    isb
    mov x2, #0
    svc #0x42
    R x2
    mrs x3, esr_el1
    R x3
    mrs x3, elr_el1
    adr x4, after_svc
    sub x3, x3, x4
after_svc:
    R x3
    msr spsel, #0
    svc #0x7
    msr spsel, #1
    R x2

    // --- PSCI, DC ZVA, self-modifying code ---------------------------------------
    movz x0, #0x8400, lsl #16
    hvc #0
    R x0
    mov x3, #-1
    stp x3, x3, [x10, #64]
    stp x3, x3, [x10, #80]
    stp x3, x3, [x10, #96]
    stp x3, x3, [x10, #112]
    stp x3, x3, [x10, #128]
    add x4, x10, #100
    dc zva, x4
    ldr x2, [x10, #120]
    ldr x3, [x10, #128]
    add x2, x2, x3
    R x2
    adr x12, code_buffer
    ldr w13, insn_movz_x0_1
    ldr w14, insn_ret
    str w13, [x12]
    str w14, [x12, #4]
    dc cvau, x12
    dsb ish
    ic ivau, x12
    dsb ish
    isb
    blr x12
    R x0
    ldr w13, insn_movz_x0_2
    str w13, [x12]
    dc cvau, x12
    dsb ish
    ic ivau, x12
    dsb ish
    isb
    blr x12
    R x0

    // --- final register dump ---------------------------------------------------
    ldr x0, =0x0123456789abcdef
    ror x1, x0, #4
    ror x2, x0, #8
    ror x3, x0, #12
    ror x4, x0, #16
    mul x5, x0, x0
    mul x6, x5, x0
    add x7, x6, x5
    eor x8, x7, x0
    ror x9, x8, #3
    adds x10, x9, x8
    adc x11, x10, x9
    sub x12, x11, x10, lsl #7
    umulh x13, x12, x11
    udiv x14, x13, x4
    clz x15, x14
    rbit x16, x15
    rev x17, x16
    eor x18, x17, x16
    add x19, x18, #1
    add x20, x19, x19, lsl #1
    madd x21, x20, x19, x18
    msub x22, x21, x20, x19
    orr x23, x22, x21
    bic x24, x23, x22
    eor x25, x24, x23, ror #9
    sub x26, x25, x24
    and x27, x26, x25
    orn x28, x27, x26
    eon x29, x28, x27
    subs x30, x29, x28
    // Save all, then print.
    stp x0, x1, [sp, #-256]!
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    mrs x1, nzcv
    stp x30, x1, [sp, #240]
    mov x19, sp
    mov x20, #0
10: cmp x20, #31
    b.eq 11f
    adr x0, reg_prefix
    bl puts
    mov x0, x20
    bl put_dec2
    b 12f
11: adr x0, nzcv_name
    bl puts
12: mov w0, #'='
    bl putc
    ldr x0, [x19, x20, lsl #3]
    bl put_hex
    bl newline
    add x20, x20, #1
    cmp x20, #32
    b.ne 10b
    adr x0, done
    mov x1, x0
    mov w0, #SEMIHOSTING_SYS_WRITE0
    hlt #0xf000
    mov w0, #0
    b exit

// x2 += 1
bump:
    add x2, x2, #1
    ret

// x0 = bit i set when condition i holds (i = 0..15).
conditions:
    mov x0, #0
    mov x1, #1
    b.eq 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.ne 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.hs 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.lo 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.mi 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.pl 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.vs 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.vc 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.hi 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.ls 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.ge 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.lt 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.gt 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.le 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    b.al 1f
    b 2f
1:  orr x0, x0, x1
2:  lsl x1, x1, #1
    .inst 0x54000000 | (2 << 5) | 0xf   // b.nv +8 (always taken, like AL)
    b 2f
1:  orr x0, x0, x1
2:  ret

// report: prints "<x0 hex> <NZCV nibble>\n"; preserves registers and flags.
report:
    stp x0, x30, [sp, #-32]!
    str x1, [sp, #16]
    mrs x1, nzcv
    bl put_hex
    mov w0, #' '
    bl putc
    lsr x0, x1, #28
    add x0, x0, #'0'
    cmp x0, #'9'
    b.ls 1f
    add x0, x0, #('a' - '0' - 10)
1:  bl putc
    bl newline
    msr nzcv, x1
    ldr x1, [sp, #16]
    ldp x0, x30, [sp], #32
    ret

// put_dec2: x0 (0..99) as two decimal digits.
put_dec2:
    stp x0, x30, [sp, #-32]!
    stp x1, x2, [sp, #16]
    mov x1, #10
    udiv x2, x0, x1
    msub x1, x2, x1, x0
    add x0, x2, #'0'
    bl putc
    add x0, x1, #'0'
    bl putc
    ldp x1, x2, [sp, #16]
    ldp x0, x30, [sp], #32
    ret

// Exception vectors: synchronous from EL1t (+0x000) and EL1h (+0x200).
.balign 2048
vectors:
    b svc_handler
.balign 0x200
    b svc_handler
svc_handler:
    mrs x3, esr_el1
    and x3, x3, #0xffff
    add x2, x2, x3
    eret

.include "common.inc"

.balign 8
literal64: .quad 0xfedcba9876543210
branch_table: .quad 7b, 8b
insn_movz_x0_1: movz x0, #0x1111
insn_movz_x0_2: movz x0, #0x2222
insn_ret: ret

banner: .asciz "regvm exerciser\n"
reg_prefix: .asciz "X"
nzcv_name: .asciz "NZCV"
done: .asciz "done\n"

.section .data
.balign 64
scratch: .space 256
.balign 16
    .space 256
stack_el0:
.balign 4096
code_buffer: .space 64
