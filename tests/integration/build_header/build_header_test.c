/* The C side of the build integration: the generated C header and the
 * runtime's C API, replaying every required migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regcompat_runtime.h"
#include "vmm_tables.h"

static int failures = 0;

static regcompat_table *table_of(const struct vmm_compat_table *view, int with_entries) {
  regcompat_table *table = regcompat_table_create(view->machine_type);
  size_t i;
  if (!table || !with_entries) return table;
  for (i = 0; i < view->hidden_count; ++i)
    if (regcompat_table_add_hidden(table, view->hidden[i]) != REGCOMPAT_OK) ++failures;
  for (i = 0; i < view->safe_missing_count; ++i)
    if (regcompat_table_add_safe_missing(table, view->safe_missing[i]) != REGCOMPAT_OK) ++failures;
  for (i = 0; i < view->pinned_count; ++i)
    if (regcompat_table_add_pin(table, view->pinned[i].index, view->pinned[i].value) != REGCOMPAT_OK) ++failures;
  for (i = 0; i < view->tolerated_count; ++i)
    if (regcompat_table_add_tolerate(table, view->tolerated[i]) != REGCOMPAT_OK) ++failures;
  return table;
}

/* 1 if the migration loads, 0 if not, -1 on an API error. */
static int migrate(const struct vmm_platform *src, const struct vmm_platform *dst, const regcompat_table *table) {
  uint64_t *idx = malloc(sizeof(uint64_t) * (src->count + dst->count + 1));
  uint64_t *val = malloc(sizeof(uint64_t) * (src->count + dst->count + 1));
  uint64_t *out_idx = malloc(sizeof(uint64_t) * (src->count + 1));
  uint64_t *out_val = malloc(sizeof(uint64_t) * (src->count + 1));
  bool *constant = malloc(sizeof(bool) * (dst->count + 1));
  uint64_t *merged_idx = malloc(sizeof(uint64_t) * (dst->count + 1));
  uint64_t *merged_val = malloc(sizeof(uint64_t) * (dst->count + 1));
  size_t i, sent = 0, merged = 0;
  int loads = -1;
  regcompat_merge_result *result;
  if (!idx || !val || !out_idx || !out_val || !constant || !merged_idx || !merged_val) goto done;
  for (i = 0; i < src->count; ++i) {
    idx[i] = src->registers[i].index;
    val[i] = src->registers[i].value;
  }
  if (regcompat_outgoing(table, idx, val, src->count, out_idx, out_val, &sent) != REGCOMPAT_OK) goto done;
  for (i = 0; i < dst->count; ++i) {
    idx[i] = dst->registers[i].index;
    val[i] = dst->registers[i].value;
    constant[i] = dst->registers[i].is_constant;
  }
  result = regcompat_merge(table, idx, val, constant, dst->count, out_idx, out_val, sent, NULL, merged_idx,
                           merged_val, &merged);
  if (!result) goto done;
  loads = regcompat_merge_result_ok(result) ? 1 : 0;
  regcompat_merge_result_destroy(result);
done:
  free(idx); free(val); free(out_idx); free(out_val); free(constant); free(merged_idx); free(merged_val);
  return loads;
}

int main(void) {
  size_t i, failing_without = 0;
  for (i = 0; i < VMM_REQUIRED_MIGRATION_COUNT; ++i) {
    const struct vmm_required_migration *m = &vmm_required_migrations[i];
    const struct vmm_compat_table *view = &vmm_tables[m->table];
    regcompat_table *none = table_of(view, 0);
    regcompat_table *full = table_of(view, 1);
    int without = migrate(&vmm_platforms[m->source], &vmm_platforms[m->dest], none);
    int with = migrate(&vmm_platforms[m->source], &vmm_platforms[m->dest], full);
    if (without < 0 || with < 0 || (without == 1) != m->loads_without_table || with != 1 || !m->loads_with_table) {
      fprintf(stderr, "FAIL: %s: %s -> %s (without %d, with %d)\n", view->machine_type,
              vmm_platforms[m->source].id, vmm_platforms[m->dest].id, without, with);
      ++failures;
    }
    failing_without += without == 0 ? 1 : 0;
    regcompat_table_destroy(none);
    regcompat_table_destroy(full);
  }
  if (failing_without == 0) {
    fprintf(stderr, "FAIL: no required migration fails without tables\n");
    ++failures;
  }
  printf("%zu required migrations: %zu fail without tables, all load with the generated tables\n",
         (size_t)VMM_REQUIRED_MIGRATION_COUNT, failing_without);
  return failures == 0 ? 0 : 1;
}
