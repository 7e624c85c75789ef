/* The migration benchmark's dirtying workload, one guest for both VMMs:
 * it rewrites one byte in every 4 KiB page of [DIRTY_BASE, DIRTY_END)
 * forever. The same bytes run on regvm (flat binary at 1 MiB, entered in
 * long mode) and on QEMU (`-kernel`, a Multiboot ELF entered in 32-bit
 * protected mode): incb/add/cmp/jb/jmp encode identically in both modes.
 * Assembled by tests/bench/migration_bench at run time:
 *   as --32 --defsym DIRTY_BASE=... --defsym DIRTY_END=...
 *   ld -m elf_i386 -Ttext=0x100000 -e _start; objcopy -O binary */
    .code32
    .text
    .globl _start
_start:
    jmp entry
    .p2align 2
multiboot_header:               /* Multiboot 1: magic, flags, checksum */
    .long 0x1badb002
    .long 0
    .long -0x1badb002
entry:
    mov $DIRTY_BASE, %eax
page:
    incb (%eax)
    add $4096, %eax
    cmp $DIRTY_END, %eax
    jb page
    jmp entry
