/* The parameter block every guest carries (guest_params.h); defaults here. */
#include "guest_params.h"
  .section .params, "aw"
  .globl regvm_params
regvm_params:
  .quad REGVM_GUEST_PARAMS_MAGIC
  .quad 300           /* iterations */
  .quad 0x400000      /* dirty_base: 4 MiB */
  .quad 0x400000      /* dirty_bytes: 4 MiB */
  .quad 50            /* progress_every */
  .quad 3             /* stride_pages */
  .quad 0             /* counter */
