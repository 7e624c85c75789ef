/*
 * regcompat runtime, C API (C99).
 *
 * A VMM links this to enforce a machine type's compat table while saving and
 * loading the CPU register list during live migration:
 *
 *   save side:  regcompat_outgoing() turns the VMM's register list into the
 *               list to put on the migration stream (hidden registers
 *               dropped, pinned values applied, sorted by index);
 *   load side:  regcompat_merge() merges the list that arrived into the
 *               VMM's list and reports every problem at once, each naming
 *               the register.
 *
 * Registers are 64-bit indexes in the KVM_GET_REG_LIST format, the form QEMU
 * uses on its migration stream for both TCG and KVM; values are 64-bit.
 * Lists are passed as parallel arrays, like QEMU's cpreg_indexes[] /
 * cpreg_values[]: entry i is (indexes[i], values[i]). An array may be NULL
 * when its count is 0.
 *
 * Errors: no C++ exception crosses this boundary. A function that fails
 * returns a status other than REGCOMPAT_OK (or NULL) and sets a message that
 * regcompat_last_error() returns, per thread.
 *
 * Threads: a table may be used by several threads at once once it is no
 * longer being modified; results are independent objects.
 *
 * C++ callers can use the richer regcompat/runtime.h instead.
 */
#ifndef REGCOMPAT_RUNTIME_H
#define REGCOMPAT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes and errors -------------------------------------------- */

typedef enum regcompat_status {
  REGCOMPAT_OK = 0,
  /* A NULL pointer or a NULL array with a non-zero count. */
  REGCOMPAT_ERR_INVALID_ARGUMENT = 1,
  /* A table entry was rejected: invalid index, duplicate, or a conflict
   * (e.g. a pin on a hidden register). The table is unchanged. */
  REGCOMPAT_ERR_INVALID_ENTRY = 2,
  /* A local register list holds an invalid or duplicate index. */
  REGCOMPAT_ERR_INVALID_LIST = 3,
  /* Memory allocation failed. */
  REGCOMPAT_ERR_NO_MEMORY = 4,
  /* Anything else that went wrong inside the library. */
  REGCOMPAT_ERR_INTERNAL = 5
} regcompat_status;

/* The message of the last failure in this thread ("" if none yet). The
 * pointer stays valid until the next failing call in this thread. */
const char *regcompat_last_error(void);

/* ---- compat table --------------------------------------------------------- */

/* A machine type's compat table (docs/upstream-mitigation.md): hidden registers
 * (x-mig-hidden-regs: never exposed, saved or restored on this side),
 * safe-missing registers (x-mig-safe-missing-regs: may arrive without
 * existing here; ignored), and value rules: pin (this side presents the
 * pinned value to the guest and on the stream; an incoming value must equal
 * it) and tolerate (an incoming value of a constant register may differ; the
 * local value is kept and a warning reported). */
typedef struct regcompat_table regcompat_table;

/* Creates an empty table for `machine_type` (e.g. "virt-10.0"; copied).
 * Returns NULL if machine_type is NULL or memory runs out. */
regcompat_table *regcompat_table_create(const char *machine_type);

/* Destroys a table. NULL is ignored. */
void regcompat_table_destroy(regcompat_table *table);

/* Adds one entry. Each validates the entry against the table as it is: the
 * index must be a valid register index, an index is listed at most once per
 * list, a register has at most one value rule (pin or tolerate), and a hidden
 * register can be neither pinned nor tolerated (in either order of adding).
 * Returns REGCOMPAT_OK, or REGCOMPAT_ERR_INVALID_ENTRY and leaves the table
 * unchanged (regcompat_last_error() names the entry). */
regcompat_status regcompat_table_add_hidden(regcompat_table *table, uint64_t index);
regcompat_status regcompat_table_add_safe_missing(regcompat_table *table, uint64_t index);
regcompat_status regcompat_table_add_pin(regcompat_table *table, uint64_t index, uint64_t value);
regcompat_status regcompat_table_add_tolerate(regcompat_table *table, uint64_t index);

/* The machine type given at creation; valid while the table lives. */
const char *regcompat_table_machine_type(const regcompat_table *table);

/* Whether `index` is hidden on this side: a VMM asks before reading or
 * writing a register, and never touches a hidden one. false for NULL. */
bool regcompat_table_is_hidden(const regcompat_table *table, uint64_t index);

/* Whether `index` may arrive on the stream without existing here. */
bool regcompat_table_is_safe_missing(const regcompat_table *table, uint64_t index);

/* ---- save side -------------------------------------------------------------- */

/* Builds the list to put on the stream from this side's registers: hidden
 * registers dropped, pinned registers carrying their pinned value, sorted by
 * index (the order QEMU sends and expects).
 * out_indexes and out_values must each have room for local_count entries;
 * *out_count receives the number written.
 * Returns REGCOMPAT_OK; REGCOMPAT_ERR_INVALID_LIST if the local list holds an
 * invalid or duplicate index (nothing is written); REGCOMPAT_ERR_INVALID_ARGUMENT
 * or REGCOMPAT_ERR_NO_MEMORY. */
regcompat_status regcompat_outgoing(const regcompat_table *table,
                                    const uint64_t *local_indexes,
                                    const uint64_t *local_values, size_t local_count,
                                    uint64_t *out_indexes, uint64_t *out_values,
                                    size_t *out_count);

/* ---- load side -------------------------------------------------------------- */

/* Returns the name of register `index`, or NULL when it knows none. The
 * library copies the string at once: it only has to stay valid until the
 * resolver is called again or regcompat_merge() returns. */
typedef const char *(*regcompat_name_resolver)(void *opaque, uint64_t index);

/* Merge options. A zero-initialized struct (or a NULL pointer) gives the
 * defaults. */
typedef struct regcompat_merge_options {
  /* A register this side has and the stream lacks is an error instead of a
   * note. */
  bool strict;
  /* Sanity bound on the incoming count; more is an error naming the count.
   * 0 means the default, 65536. There is no cap at this side's own list
   * length (QEMU's "Invalid value 292 expecting positive value <= 291"). */
  size_t max_registers;
  /* Names registers in messages; NULL, or returning NULL, falls back to the
   * names regcompat knows (core, firmware, timer, SVE registers). */
  regcompat_name_resolver name_resolver;
  /* Passed to name_resolver unchanged. */
  void *opaque;
} regcompat_merge_options;

typedef enum regcompat_severity {
  REGCOMPAT_SEVERITY_ERROR = 0,   /* the load fails */
  REGCOMPAT_SEVERITY_WARNING = 1, /* the load succeeds; the guest may see a difference */
  REGCOMPAT_SEVERITY_NOTE = 2     /* the load succeeds; recorded for the report */
} regcompat_severity;

typedef enum regcompat_finding_kind {
  REGCOMPAT_KIND_STREAM_TOO_LONG = 0,      /* error: over max_registers */
  REGCOMPAT_KIND_INVALID_STREAM_INDEX = 1, /* error: not a register index (position) */
  REGCOMPAT_KIND_DUPLICATE_IN_STREAM = 2,  /* error: index twice in the stream (position) */
  REGCOMPAT_KIND_INVALID_LOCAL_INDEX = 3,  /* error: in the local list (position) */
  REGCOMPAT_KIND_DUPLICATE_LOCAL = 4,      /* error: in the local list (position) */
  REGCOMPAT_KIND_NOT_HERE = 5,             /* error: in the stream, not here, not safe-missing */
  REGCOMPAT_KIND_HIDDEN_HERE = 6,          /* error: in the stream, hidden here, not safe-missing */
  REGCOMPAT_KIND_IGNORED_SAFE_MISSING = 7, /* note: in the stream, not here, safe-missing */
  REGCOMPAT_KIND_MISSING_FROM_STREAM = 8,  /* note (error if strict): keeps its reset value */
  REGCOMPAT_KIND_CONSTANT_MISMATCH = 9,    /* error: constant here, values differ */
  REGCOMPAT_KIND_TOLERATED_MISMATCH = 10,  /* warning: tolerated, local value kept */
  REGCOMPAT_KIND_PIN_MISMATCH = 11         /* error: incoming value is not the pinned one */
} regcompat_finding_kind;

typedef enum regcompat_side {
  REGCOMPAT_SIDE_NOT_APPLICABLE = 0,  /* about the stream as a whole */
  REGCOMPAT_SIDE_SOURCE_ONLY = 1,     /* only the stream has the register */
  REGCOMPAT_SIDE_DESTINATION_ONLY = 2,/* only this side has it */
  REGCOMPAT_SIDE_BOTH = 3
} regcompat_side;

/* One finding, as regcompat_merge_result_finding() fills it in. */
typedef struct regcompat_finding {
  regcompat_severity severity;
  regcompat_finding_kind kind;
  regcompat_side side;
  uint64_t index;              /* the register; 0 for STREAM_TOO_LONG */
  bool has_local_value;
  uint64_t local_value;        /* this side's value, when has_local_value */
  bool has_incoming_value;
  uint64_t incoming_value;     /* the stream's value, when has_incoming_value */
  bool has_position;
  size_t position;             /* 0-based, in the stream (or the local list
                                  for the *_LOCAL_* kinds) */
  const char *message;         /* names the register; valid until the result
                                  is destroyed */
} regcompat_finding;

typedef struct regcompat_merge_result regcompat_merge_result;

/* Merges the incoming list (from the stream, any order) into this side's
 * list under `table`:
 *   - a register in the stream but not here is ignored (a note) if
 *     safe-missing, else an error; one hidden here is an error unless
 *     safe-missing;
 *   - a register here but not in the stream keeps its reset value (a note;
 *     an error with options->strict);
 *   - a constant register (local_is_constant[i] non-zero) whose incoming
 *     value differs is an error unless tolerated (warning, local value kept)
 *     or pinned (the incoming value must equal the pin; the pinned value is
 *     kept);
 *   - duplicate or invalid indexes in either list are errors with their
 *     position.
 * local_is_constant may be NULL (no register is constant).
 * merged_indexes and merged_values must each have room for local_count
 * entries; they receive, in the local order, every local register that is not
 * hidden with its merged value (local entries rejected as invalid or as a
 * later duplicate left out), and *merged_count the number written. They are
 * written even when the merge fails; load them only if
 * regcompat_merge_result_ok() is true.
 * Returns a result to read and destroy, or NULL on invalid arguments or when
 * memory runs out (see regcompat_last_error()). */
regcompat_merge_result *regcompat_merge(const regcompat_table *table,
                                        const uint64_t *local_indexes,
                                        const uint64_t *local_values,
                                        const bool *local_is_constant, size_t local_count,
                                        const uint64_t *incoming_indexes,
                                        const uint64_t *incoming_values, size_t incoming_count,
                                        const regcompat_merge_options *options,
                                        uint64_t *merged_indexes, uint64_t *merged_values,
                                        size_t *merged_count);

/* Destroys a result. NULL is ignored. */
void regcompat_merge_result_destroy(regcompat_merge_result *result);

/* true if no finding is an error: the merged list may be loaded. */
bool regcompat_merge_result_ok(const regcompat_merge_result *result);

/* The number of findings (errors first, then warnings, then notes). */
size_t regcompat_merge_result_finding_count(const regcompat_merge_result *result);

/* Fills *out with finding i (0 <= i < finding count). Returns REGCOMPAT_OK or
 * REGCOMPAT_ERR_INVALID_ARGUMENT (NULL pointer, i out of range). */
regcompat_status regcompat_merge_result_finding(const regcompat_merge_result *result,
                                                size_t i, regcompat_finding *out);

/* The whole report: one line per finding ("error: <message>"), then a summary
 * line such as "load would fail: 1 error(s), 2 note(s)". Valid until the
 * result is destroyed. */
const char *regcompat_merge_result_report(const regcompat_merge_result *result);

/* ---- names ------------------------------------------------------------------ */

/* Stable spellings: "error"/"warning"/"note"; "not-here", "pin-mismatch", ...;
 * "source only"/"destination only"/"both"/"n/a". "?" for unknown values. */
const char *regcompat_severity_name(regcompat_severity severity);
const char *regcompat_finding_kind_name(regcompat_finding_kind kind);
const char *regcompat_side_name(regcompat_side side);

/* Writes "0x603000000013c103 (S3_0_C2_C0_3)"-style text for `index` (with the
 * name regcompat knows, if any) into buf, truncated and NUL-terminated to
 * buf_size like snprintf. Returns the full length, excluding the NUL. buf may
 * be NULL when buf_size is 0. */
size_t regcompat_describe_register(uint64_t index, char *buf, size_t buf_size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* REGCOMPAT_RUNTIME_H */
