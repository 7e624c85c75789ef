// exit_status: exits at once with the status in `status` (regvm
// --guest-param status=N), so that tests see how regvm reports a guest's
// own exit status next to its own exit codes (vm/cli_options.h).

.section .text.boot
.global _start
_start:
    ldr x1, =stack_top
    mov sp, x1
    ldr x0, status
    b exit

.include "common.inc"

.section .data
.balign 8
.global status
status: .quad 0
