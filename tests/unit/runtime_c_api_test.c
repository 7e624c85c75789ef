/* The C API compiled as C99: proves regcompat_runtime.h is real C and that a
 * C VMM can run a whole save/load cycle through it. Replays the DBGDTR
 * backward migration (QEMU 10.2.2 -> 10.0.13, docs/real-breakages.md). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regcompat_runtime.h"

static int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

#define DBGDTR_EL0 UINT64_C(0x6030000000139820)
#define DBGDTRTX_EL0 UINT64_C(0x6030000000139828)
#define DBGDTRTX_AA32 UINT64_C(0x40200000200e0280)
#define BOGUS_DBGDTRTX UINT64_C(0x40200000200e0298)
#define SCTLR_EL1 UINT64_C(0x603000000013c080)
#define ID_AA64DFR0_EL1 UINT64_C(0x603000000013c028)

struct names {
  int calls;
};

static const char *resolve_name(void *opaque, uint64_t index) {
  struct names *n = (struct names *)opaque;
  n->calls++;
  if (index == BOGUS_DBGDTRTX) return "BOGUS_DBGDTR_EL0";
  return NULL;
}

/* 10.2.2: unsorted, with the bogus register; 10.0.13: without it. */
static const uint64_t src_indexes[] = {SCTLR_EL1, BOGUS_DBGDTRTX, DBGDTRTX_EL0, DBGDTR_EL0,
                                       DBGDTRTX_AA32, ID_AA64DFR0_EL1};
static const uint64_t src_values[] = {0x30d00985, 0, 0, 0, 0, 0x110305408};
static const uint64_t dst_indexes[] = {SCTLR_EL1, DBGDTRTX_AA32, DBGDTRTX_EL0, DBGDTR_EL0,
                                       ID_AA64DFR0_EL1};
static const uint64_t dst_values[] = {0, 0, 0, 0, 0x10305106};
static const bool dst_constant[] = {false, true, true, true, true};
#define SRC_COUNT (sizeof src_indexes / sizeof src_indexes[0])
#define DST_COUNT (sizeof dst_indexes / sizeof dst_indexes[0])

static void test_table_validation(void) {
  regcompat_table *t = regcompat_table_create("virt-10.0");
  CHECK(t != NULL);
  CHECK(strcmp(regcompat_table_machine_type(t), "virt-10.0") == 0);
  CHECK(regcompat_table_add_pin(t, ID_AA64DFR0_EL1, 0x10305106) == REGCOMPAT_OK);
  /* A pin on a hidden register is an error, whichever comes first. */
  CHECK(regcompat_table_add_hidden(t, ID_AA64DFR0_EL1) == REGCOMPAT_ERR_INVALID_ENTRY);
  CHECK(strstr(regcompat_last_error(), "0x603000000013c028") != NULL);
  CHECK(!regcompat_table_is_hidden(t, ID_AA64DFR0_EL1));
  CHECK(regcompat_table_add_hidden(t, BOGUS_DBGDTRTX) == REGCOMPAT_OK);
  CHECK(regcompat_table_add_tolerate(t, BOGUS_DBGDTRTX) == REGCOMPAT_ERR_INVALID_ENTRY);
  CHECK(regcompat_table_add_hidden(t, BOGUS_DBGDTRTX) == REGCOMPAT_ERR_INVALID_ENTRY);
  CHECK(regcompat_table_add_safe_missing(t, UINT64_C(0)) == REGCOMPAT_ERR_INVALID_ENTRY);
  CHECK(strstr(regcompat_last_error(), "invalid register index") != NULL);
  CHECK(regcompat_table_is_hidden(t, BOGUS_DBGDTRTX));
  CHECK(regcompat_table_add_hidden(NULL, BOGUS_DBGDTRTX) == REGCOMPAT_ERR_INVALID_ARGUMENT);
  CHECK(regcompat_table_create(NULL) == NULL);
  regcompat_table_destroy(t);
  regcompat_table_destroy(NULL);
}

static void test_backward_fails_without_table(void) {
  regcompat_table *none = regcompat_table_create("virt-10.0");
  uint64_t stream_indexes[SRC_COUNT], stream_values[SRC_COUNT];
  size_t stream_count = 0;
  CHECK(regcompat_outgoing(none, src_indexes, src_values, SRC_COUNT, stream_indexes, stream_values,
                           &stream_count) == REGCOMPAT_OK);
  CHECK(stream_count == SRC_COUNT);
  for (size_t i = 1; i < stream_count; ++i) CHECK(stream_indexes[i - 1] < stream_indexes[i]);

  struct names names = {0};
  regcompat_merge_options options;
  memset(&options, 0, sizeof options);
  options.name_resolver = resolve_name;
  options.opaque = &names;
  uint64_t merged_indexes[DST_COUNT], merged_values[DST_COUNT];
  size_t merged_count = 0;
  regcompat_merge_result *r = regcompat_merge(
      none, dst_indexes, dst_values, dst_constant, DST_COUNT, stream_indexes, stream_values,
      stream_count, &options, merged_indexes, merged_values, &merged_count);
  CHECK(r != NULL);
  CHECK(!regcompat_merge_result_ok(r));
  CHECK(names.calls > 0);
  /* The longer list is no failure by itself; the bogus register and the
   * changed ID register are, both reported at once. */
  CHECK(regcompat_merge_result_finding_count(r) == 2);
  regcompat_finding f;
  CHECK(regcompat_merge_result_finding(r, 0, &f) == REGCOMPAT_OK);
  CHECK(f.severity == REGCOMPAT_SEVERITY_ERROR);
  CHECK(f.kind == REGCOMPAT_KIND_NOT_HERE);
  CHECK(f.side == REGCOMPAT_SIDE_SOURCE_ONLY);
  CHECK(f.index == BOGUS_DBGDTRTX);
  CHECK(f.has_incoming_value && !f.has_local_value && !f.has_position);
  CHECK(strstr(f.message, "0x40200000200e0298 (p14,3,c0,c5,0,ns, BOGUS_DBGDTR_EL0)") != NULL);
  CHECK(regcompat_merge_result_finding(r, 1, &f) == REGCOMPAT_OK);
  CHECK(f.kind == REGCOMPAT_KIND_CONSTANT_MISMATCH);
  CHECK(f.side == REGCOMPAT_SIDE_BOTH);
  CHECK(f.has_local_value && f.local_value == UINT64_C(0x10305106));
  CHECK(f.has_incoming_value && f.incoming_value == UINT64_C(0x110305408));
  CHECK(regcompat_merge_result_finding(r, 2, &f) == REGCOMPAT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(regcompat_merge_result_report(r), "load would fail: 2 error(s)\n") != NULL);
  CHECK(strcmp(regcompat_severity_name(REGCOMPAT_SEVERITY_WARNING), "warning") == 0);
  CHECK(strcmp(regcompat_finding_kind_name(REGCOMPAT_KIND_NOT_HERE), "not-here") == 0);
  CHECK(strcmp(regcompat_side_name(REGCOMPAT_SIDE_DESTINATION_ONLY), "destination only") == 0);
  CHECK(strcmp(regcompat_finding_kind_name((regcompat_finding_kind)99), "?") == 0);
  regcompat_merge_result_destroy(r);
  regcompat_table_destroy(none);
}

static void test_backward_loads_with_tables(void) {
  /* 10.2.2 side hides the bogus register; both pin the ID register. */
  regcompat_table *src = regcompat_table_create("virt-10.0");
  regcompat_table *dst = regcompat_table_create("virt-10.0");
  CHECK(regcompat_table_add_hidden(src, BOGUS_DBGDTRTX) == REGCOMPAT_OK);
  CHECK(regcompat_table_add_pin(src, ID_AA64DFR0_EL1, 0x10305106) == REGCOMPAT_OK);
  CHECK(regcompat_table_add_pin(dst, ID_AA64DFR0_EL1, 0x10305106) == REGCOMPAT_OK);

  uint64_t stream_indexes[SRC_COUNT], stream_values[SRC_COUNT];
  size_t stream_count = 0;
  CHECK(regcompat_outgoing(src, src_indexes, src_values, SRC_COUNT, stream_indexes, stream_values,
                           &stream_count) == REGCOMPAT_OK);
  CHECK(stream_count == SRC_COUNT - 1);
  for (size_t i = 0; i < stream_count; ++i) {
    CHECK(stream_indexes[i] != BOGUS_DBGDTRTX);
    if (stream_indexes[i] == ID_AA64DFR0_EL1) CHECK(stream_values[i] == UINT64_C(0x10305106));
  }

  uint64_t merged_indexes[DST_COUNT], merged_values[DST_COUNT];
  size_t merged_count = 0;
  regcompat_merge_result *r =
      regcompat_merge(dst, dst_indexes, dst_values, dst_constant, DST_COUNT, stream_indexes,
                      stream_values, stream_count, NULL, merged_indexes, merged_values, &merged_count);
  CHECK(r != NULL);
  CHECK(regcompat_merge_result_ok(r));
  CHECK(regcompat_merge_result_finding_count(r) == 0);
  CHECK(merged_count == DST_COUNT);
  for (size_t i = 0; i < merged_count; ++i) CHECK(merged_indexes[i] == dst_indexes[i]);
  CHECK(merged_values[0] == UINT64_C(0x30d00985)); /* SCTLR_EL1 took the incoming value */
  CHECK(merged_values[4] == UINT64_C(0x10305106));
  CHECK(strcmp(regcompat_merge_result_report(r), "load would succeed: 0 error(s)\n") == 0);
  regcompat_merge_result_destroy(r);
  regcompat_table_destroy(src);
  regcompat_table_destroy(dst);
}

static void test_bad_arguments_and_lists(void) {
  regcompat_table *t = regcompat_table_create("virt-10.0");
  uint64_t out_i[2], out_v[2];
  size_t n = 0;
  const uint64_t dup[] = {SCTLR_EL1, SCTLR_EL1};
  const uint64_t vals[] = {1, 2};
  CHECK(regcompat_outgoing(t, dup, vals, 2, out_i, out_v, &n) == REGCOMPAT_ERR_INVALID_LIST);
  CHECK(strstr(regcompat_last_error(), "positions 0 and 1") != NULL);
  CHECK(regcompat_outgoing(t, NULL, vals, 2, out_i, out_v, &n) == REGCOMPAT_ERR_INVALID_ARGUMENT);
  CHECK(regcompat_outgoing(t, NULL, NULL, 0, NULL, NULL, &n) == REGCOMPAT_OK && n == 0);
  CHECK(regcompat_merge(NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, &n) == NULL);

  /* Sanity bound through the options. */
  regcompat_merge_options options = {0};
  options.max_registers = 1;
  regcompat_merge_result *r =
      regcompat_merge(t, dup, vals, NULL, 1, dup, vals, 2, &options, out_i, out_v, &n);
  CHECK(r != NULL && !regcompat_merge_result_ok(r));
  regcompat_finding f;
  CHECK(regcompat_merge_result_finding(r, 0, &f) == REGCOMPAT_OK);
  CHECK(f.kind == REGCOMPAT_KIND_STREAM_TOO_LONG && f.side == REGCOMPAT_SIDE_NOT_APPLICABLE);
  regcompat_merge_result_destroy(r);

  /* An absurd count is checked before anything is copied: SIZE_MAX gives
     the finding (with the default bound), not a failed allocation. */
  r = regcompat_merge(t, dup, vals, NULL, 1, dup, vals, SIZE_MAX, NULL, out_i, out_v, &n);
  CHECK(r != NULL && !regcompat_merge_result_ok(r));
  CHECK(r != NULL && regcompat_merge_result_finding(r, 0, &f) == REGCOMPAT_OK &&
        f.kind == REGCOMPAT_KIND_STREAM_TOO_LONG);
  regcompat_merge_result_destroy(r);

  char buf[16];
  size_t len = regcompat_describe_register(BOGUS_DBGDTRTX, buf, sizeof buf);
  CHECK(len == strlen("0x40200000200e0298 (p14,3,c0,c5,0,ns)"));
  CHECK(strlen(buf) == sizeof buf - 1 && strncmp(buf, "0x40200000200e02", 15) == 0);
  CHECK(regcompat_describe_register(BOGUS_DBGDTRTX, NULL, 0) == len);
  regcompat_table_destroy(t);
}

int main(void) {
  test_table_validation();
  test_backward_fails_without_table();
  test_backward_loads_with_tables();
  test_bad_arguments_and_lists();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return EXIT_FAILURE;
  }
  printf("runtime C API: all checks passed\n");
  return EXIT_SUCCESS;
}
