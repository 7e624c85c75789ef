/* The parameter block of regvm's x86_64 guests: 64-bit words at a fixed
 * offset of every image, which a test or the machine patches after loading
 * the image and before the guest runs (C and C++; little-endian).
 *
 * Image layout (linked at 0x100000 by guest.ld, loaded there as a flat
 * binary): offset 0 is the entry point (a jump), offset 0x10 this block. */
#ifndef REGVM_GUEST_PARAMS_H
#define REGVM_GUEST_PARAMS_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define REGVM_GUEST_LOAD_ADDRESS 0x100000u
#define REGVM_GUEST_PARAMS_OFFSET 0x10u
#define REGVM_GUEST_PARAMS_MAGIC 0x314d5241504d5652ull /* "RVMPARM1" */

#ifndef __ASSEMBLER__
struct regvm_guest_params {
  uint64_t magic;          /* REGVM_GUEST_PARAMS_MAGIC */
  uint64_t iterations;     /* long_compute: loop count; spin: stop when the
                              counter reaches it (0 = never) */
  uint64_t dirty_base;     /* guest-physical start of the area it writes */
  uint64_t dirty_bytes;    /* its size (long_compute, dirty_pages) */
  uint64_t progress_every; /* long_compute: a progress line every N iterations */
  uint64_t stride_pages;   /* dirty_pages: write one byte every N pages */
  uint64_t counter;        /* spin: the loop counter (the guest updates it) */
};
#endif

/* Offsets of the fields from the image start, for patching. */
#define REGVM_GUEST_PARAM_ITERATIONS (REGVM_GUEST_PARAMS_OFFSET + 8u)
#define REGVM_GUEST_PARAM_DIRTY_BASE (REGVM_GUEST_PARAMS_OFFSET + 16u)
#define REGVM_GUEST_PARAM_DIRTY_BYTES (REGVM_GUEST_PARAMS_OFFSET + 24u)
#define REGVM_GUEST_PARAM_PROGRESS_EVERY (REGVM_GUEST_PARAMS_OFFSET + 32u)
#define REGVM_GUEST_PARAM_STRIDE_PAGES (REGVM_GUEST_PARAMS_OFFSET + 40u)
#define REGVM_GUEST_PARAM_COUNTER (REGVM_GUEST_PARAMS_OFFSET + 48u)

/* Ports (vm/devices/): COM1 and the exit port. */
#define REGVM_SERIAL_PORT 0x3f8u
#define REGVM_EXIT_PORT 0xf4u

#endif
