/* The migration end-to-end guest: a long deterministic computation that
 * keeps dirtying `dirty_bytes` of RAM, with progress lines and a final
 * checksum line on COM1. Early on it writes MSRs that a migration must carry
 * (they are in KVM's MSR list: the register list), and at the end reads
 * them back. Exit status 0 only if every MSR matches, else 1.
 *
 * Parameters (guest_params.h): iterations, dirty_base, dirty_bytes,
 * progress_every. The checksum depends only on them. */
#include "guest_params.h"

extern struct regvm_guest_params regvm_params;

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void putc_serial(char c) {
  while (!(inb(REGVM_SERIAL_PORT + 5) & 0x20)) {
  }
  outb(REGVM_SERIAL_PORT, (uint8_t)c);
}
static void puts_serial(const char *s) {
  while (*s) putc_serial(*s++);
}
static void puthex(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  puts_serial("0x");
  for (int shift = 60; shift >= 0; shift -= 4) putc_serial(digits[(v >> shift) & 0xf]);
}
static void putdec(uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc_serial(buf[--n]);
}

/* Values an OS would put there (Linux-like), canonical where an address.
 * SYSENTER_ESP/EIP are 32-bit: AMD keeps only the low half. */
struct msr_value {
  uint32_t msr;
  uint64_t value;
};
static struct msr_value msrs[] = {
    {0x174, 0x10},                      /* MSR_IA32_SYSENTER_CS */
    {0x175, 0x7fff0000},                /* MSR_IA32_SYSENTER_ESP */
    {0x176, 0x81234560},                /* MSR_IA32_SYSENTER_EIP */
    {0xc0000081, 0x0023001000000000ull}, /* MSR_STAR */
    {0xc0000082, 0xffffffff81a00000ull}, /* MSR_LSTAR */
    {0xc0000083, 0xffffffff81a00100ull}, /* MSR_CSTAR */
    {0xc0000084, 0x47700},              /* MSR_SYSCALL_MASK */
    {0xc0000102, 0xffff888000123000ull}, /* MSR_KERNEL_GS_BASE */
    {0xc0000103, 0x2a},                 /* MSR_TSC_AUX (only with RDTSCP) */
};
#define MSR_COUNT (sizeof msrs / sizeof msrs[0])

static int has_rdtscp(void) {
  uint32_t a, b, c, d;
  cpuid(0x80000000, &a, &b, &c, &d);
  if (a < 0x80000001) return 0;
  cpuid(0x80000001, &a, &b, &c, &d);
  return (d >> 27) & 1;
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

int guest_main(void);
int guest_main(void) {
  const int tsc_aux = has_rdtscp();
  for (unsigned i = 0; i < MSR_COUNT; ++i)
    if (msrs[i].msr != 0xc0000103 || tsc_aux) wrmsr(msrs[i].msr, msrs[i].value);

  const uint64_t iterations = regvm_params.iterations;
  const uint64_t every = regvm_params.progress_every ? regvm_params.progress_every : iterations + 1;
  volatile uint64_t *area = (volatile uint64_t *)regvm_params.dirty_base;
  const uint64_t pages = regvm_params.dirty_bytes / 4096;
  puts_serial("long_compute: ");
  putdec(iterations);
  puts_serial(" iterations over ");
  putdec(pages);
  puts_serial(" pages\n");

  uint64_t state = 0x9e3779b97f4a7c15ull, sum = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    /* One word per page per iteration, at a slot that moves: every page of
     * the area is rewritten each iteration, and what it holds feeds back. */
    const uint64_t slot = it % 512;
    for (uint64_t p = 0; p < pages; ++p) {
      volatile uint64_t *w = area + p * 512 + slot;
      state = mix(state + *w + p);
      *w = state;
    }
    sum = mix(sum ^ state) + it;
    if ((it + 1) % every == 0) {
      puts_serial("progress ");
      putdec(it + 1);
      puts_serial(" ");
      puthex(sum);
      puts_serial("\n");
    }
  }
  puts_serial("checksum ");
  puthex(sum);
  puts_serial("\n");

  int status = 0;
  for (unsigned i = 0; i < MSR_COUNT; ++i) {
    if (msrs[i].msr == 0xc0000103 && !tsc_aux) continue;
    const uint64_t now = rdmsr(msrs[i].msr);
    if (now != msrs[i].value) {
      puts_serial("msr ");
      puthex(msrs[i].msr);
      puts_serial(" is ");
      puthex(now);
      puts_serial(", expected ");
      puthex(msrs[i].value);
      puts_serial("\n");
      status = 1;
    }
  }
  puts_serial(status ? "long_compute: FAILED\n" : "long_compute: ok\n");
  return status;
}
