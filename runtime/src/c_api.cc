// The C API (regcompat_runtime.h) over the C++ runtime. Every entry point
// catches everything: no exception may cross into a C caller.
#include "regcompat_runtime.h"

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>

#include "regcompat/runtime.h"

namespace rt = regcompat::runtime;

struct regcompat_table {
  rt::CompatTable table;
};

struct regcompat_merge_result {
  rt::MergeReport report;
  std::string rendered;
};

namespace {

// The C enums mirror the C++ ones value for value; the casts below rely on it.
static_assert(REGCOMPAT_SEVERITY_ERROR == static_cast<int>(rt::Severity::Error));
static_assert(REGCOMPAT_SEVERITY_WARNING == static_cast<int>(rt::Severity::Warning));
static_assert(REGCOMPAT_SEVERITY_NOTE == static_cast<int>(rt::Severity::Note));
static_assert(REGCOMPAT_KIND_STREAM_TOO_LONG == static_cast<int>(rt::FindingKind::StreamTooLong));
static_assert(REGCOMPAT_KIND_INVALID_STREAM_INDEX ==
              static_cast<int>(rt::FindingKind::InvalidStreamIndex));
static_assert(REGCOMPAT_KIND_DUPLICATE_IN_STREAM ==
              static_cast<int>(rt::FindingKind::DuplicateInStream));
static_assert(REGCOMPAT_KIND_INVALID_LOCAL_INDEX ==
              static_cast<int>(rt::FindingKind::InvalidLocalIndex));
static_assert(REGCOMPAT_KIND_DUPLICATE_LOCAL == static_cast<int>(rt::FindingKind::DuplicateLocal));
static_assert(REGCOMPAT_KIND_NOT_HERE == static_cast<int>(rt::FindingKind::NotHere));
static_assert(REGCOMPAT_KIND_HIDDEN_HERE == static_cast<int>(rt::FindingKind::HiddenHere));
static_assert(REGCOMPAT_KIND_IGNORED_SAFE_MISSING ==
              static_cast<int>(rt::FindingKind::IgnoredSafeMissing));
static_assert(REGCOMPAT_KIND_MISSING_FROM_STREAM ==
              static_cast<int>(rt::FindingKind::MissingFromStream));
static_assert(REGCOMPAT_KIND_CONSTANT_MISMATCH ==
              static_cast<int>(rt::FindingKind::ConstantMismatch));
static_assert(REGCOMPAT_KIND_TOLERATED_MISMATCH ==
              static_cast<int>(rt::FindingKind::ToleratedMismatch));
static_assert(REGCOMPAT_KIND_PIN_MISMATCH == static_cast<int>(rt::FindingKind::PinMismatch));
static_assert(REGCOMPAT_SIDE_NOT_APPLICABLE == static_cast<int>(rt::Side::NotApplicable));
static_assert(REGCOMPAT_SIDE_SOURCE_ONLY == static_cast<int>(rt::Side::SourceOnly));
static_assert(REGCOMPAT_SIDE_DESTINATION_ONLY == static_cast<int>(rt::Side::DestinationOnly));
static_assert(REGCOMPAT_SIDE_BOTH == static_cast<int>(rt::Side::Both));

thread_local std::string last_error;

regcompat_status failWith(regcompat_status status, std::string message) {
  try {
    last_error = std::move(message);
  } catch (...) {
    // Out of memory for the message itself: the status still says what happened.
  }
  return status;
}

// Runs `body` (which returns a regcompat_status) with every exception turned
// into a status.
template <typename Body>
regcompat_status guarded(Body &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return failWith(REGCOMPAT_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return failWith(REGCOMPAT_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return failWith(REGCOMPAT_ERR_INTERNAL, "internal error");
  }
}

bool arrayMissing(const void *array, std::size_t count) { return array == nullptr && count != 0; }

regcompat_status applyStatus(const rt::Status &status) {
  if (status) return REGCOMPAT_OK;
  return failWith(REGCOMPAT_ERR_INVALID_ENTRY, status.error());
}

} // namespace

extern "C" {

const char *regcompat_last_error(void) { return last_error.c_str(); }

regcompat_table *regcompat_table_create(const char *machine_type) {
  if (machine_type == nullptr) {
    failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "regcompat_table_create: machine_type is NULL");
    return nullptr;
  }
  regcompat_table *table = nullptr;
  guarded([&] {
    table = new regcompat_table{rt::CompatTable(machine_type)};
    return REGCOMPAT_OK;
  });
  return table;
}

void regcompat_table_destroy(regcompat_table *table) { delete table; }

regcompat_status regcompat_table_add_hidden(regcompat_table *table, uint64_t index) {
  if (table == nullptr) return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "table is NULL");
  return guarded([&] { return applyStatus(table->table.addHidden(index)); });
}

regcompat_status regcompat_table_add_safe_missing(regcompat_table *table, uint64_t index) {
  if (table == nullptr) return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "table is NULL");
  return guarded([&] { return applyStatus(table->table.addSafeMissing(index)); });
}

regcompat_status regcompat_table_add_pin(regcompat_table *table, uint64_t index, uint64_t value) {
  if (table == nullptr) return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "table is NULL");
  return guarded([&] { return applyStatus(table->table.addRule(rt::Pin{index, value})); });
}

regcompat_status regcompat_table_add_tolerate(regcompat_table *table, uint64_t index) {
  if (table == nullptr) return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "table is NULL");
  return guarded([&] { return applyStatus(table->table.addRule(rt::Tolerate{index})); });
}

const char *regcompat_table_machine_type(const regcompat_table *table) {
  return table == nullptr ? "" : table->table.machineType().c_str();
}

bool regcompat_table_is_hidden(const regcompat_table *table, uint64_t index) {
  return table != nullptr && table->table.isHidden(index);
}

bool regcompat_table_is_safe_missing(const regcompat_table *table, uint64_t index) {
  return table != nullptr && table->table.isSafeMissing(index);
}

regcompat_status regcompat_outgoing(const regcompat_table *table, const uint64_t *local_indexes,
                                    const uint64_t *local_values, size_t local_count,
                                    uint64_t *out_indexes, uint64_t *out_values,
                                    size_t *out_count) {
  if (table == nullptr || out_count == nullptr || arrayMissing(local_indexes, local_count) ||
      arrayMissing(local_values, local_count) || arrayMissing(out_indexes, local_count) ||
      arrayMissing(out_values, local_count))
    return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "regcompat_outgoing: NULL argument");
  return guarded([&] {
    rt::LocalRegisterList local(local_count);
    for (std::size_t i = 0; i < local_count; ++i) local[i] = {local_indexes[i], local_values[i], false};
    auto stream = rt::outgoing(local, table->table);
    if (!stream) return failWith(REGCOMPAT_ERR_INVALID_LIST, stream.error());
    for (std::size_t i = 0; i < stream->size(); ++i) {
      out_indexes[i] = (*stream)[i].index;
      out_values[i] = (*stream)[i].value;
    }
    *out_count = stream->size();
    return REGCOMPAT_OK;
  });
}

regcompat_merge_result *regcompat_merge(const regcompat_table *table,
                                        const uint64_t *local_indexes,
                                        const uint64_t *local_values,
                                        const bool *local_is_constant, size_t local_count,
                                        const uint64_t *incoming_indexes,
                                        const uint64_t *incoming_values, size_t incoming_count,
                                        const regcompat_merge_options *options,
                                        uint64_t *merged_indexes, uint64_t *merged_values,
                                        size_t *merged_count) {
  if (table == nullptr || merged_count == nullptr || arrayMissing(local_indexes, local_count) ||
      arrayMissing(local_values, local_count) || arrayMissing(incoming_indexes, incoming_count) ||
      arrayMissing(incoming_values, incoming_count) || arrayMissing(merged_indexes, local_count) ||
      arrayMissing(merged_values, local_count)) {
    failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "regcompat_merge: NULL argument");
    return nullptr;
  }
  regcompat_merge_result *result = nullptr;
  guarded([&] {
    rt::LocalRegisterList local(local_count);
    for (std::size_t i = 0; i < local_count; ++i)
      local[i] = {local_indexes[i], local_values[i],
                  local_is_constant != nullptr && local_is_constant[i]};
    rt::MergeOptions opts;
    if (options != nullptr) {
      opts.strict = options->strict;
      if (options->max_registers != 0) opts.max_registers = options->max_registers;
      if (options->name_resolver != nullptr) {
        const regcompat_name_resolver resolve = options->name_resolver;
        void *const opaque = options->opaque;
        opts.name_resolver = [resolve, opaque](std::uint64_t index) -> std::optional<std::string> {
          const char *name = resolve(opaque, index);
          if (name == nullptr) return std::nullopt;
          return std::string(name);
        };
      }
    }

    auto owned = std::make_unique<regcompat_merge_result>();
    // The bound first: an absurd count (SIZE_MAX) is the STREAM_TOO_LONG
    // finding, not an allocation of that many entries.
    if (incoming_count > opts.max_registers) {
      owned->report = rt::mergeOverlongStream(local, incoming_count, table->table, opts);
    } else {
      rt::StreamRegisterList incoming(incoming_count);
      for (std::size_t i = 0; i < incoming_count; ++i) incoming[i] = {incoming_indexes[i], incoming_values[i]};
      owned->report = rt::merge(local, incoming, table->table, opts);
    }
    owned->rendered = rt::renderReport(owned->report);
    // merged has at most local_count entries (the visible local registers).
    const rt::StreamRegisterList &merged = owned->report.merged;
    for (std::size_t i = 0; i < merged.size(); ++i) {
      merged_indexes[i] = merged[i].index;
      merged_values[i] = merged[i].value;
    }
    *merged_count = merged.size();
    result = owned.release();
    return REGCOMPAT_OK;
  });
  return result;
}

void regcompat_merge_result_destroy(regcompat_merge_result *result) { delete result; }

bool regcompat_merge_result_ok(const regcompat_merge_result *result) {
  return result != nullptr && result->report.ok;
}

size_t regcompat_merge_result_finding_count(const regcompat_merge_result *result) {
  return result == nullptr ? 0 : result->report.findings.size();
}

regcompat_status regcompat_merge_result_finding(const regcompat_merge_result *result, size_t i,
                                                regcompat_finding *out) {
  if (result == nullptr || out == nullptr)
    return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT, "regcompat_merge_result_finding: NULL argument");
  if (i >= result->report.findings.size())
    return failWith(REGCOMPAT_ERR_INVALID_ARGUMENT,
                    "regcompat_merge_result_finding: index " + std::to_string(i) +
                        " out of range (" + std::to_string(result->report.findings.size()) +
                        " findings)");
  const rt::Finding &f = result->report.findings[i];
  regcompat_finding c{};
  c.severity = static_cast<regcompat_severity>(f.severity);
  c.kind = static_cast<regcompat_finding_kind>(f.kind);
  c.side = static_cast<regcompat_side>(f.side);
  c.index = f.index;
  c.has_local_value = f.local_value.has_value();
  c.local_value = f.local_value.value_or(0);
  c.has_incoming_value = f.incoming_value.has_value();
  c.incoming_value = f.incoming_value.value_or(0);
  c.has_position = f.position.has_value();
  c.position = f.position.value_or(0);
  c.message = f.message.c_str();
  *out = c;
  return REGCOMPAT_OK;
}

const char *regcompat_merge_result_report(const regcompat_merge_result *result) {
  return result == nullptr ? "" : result->rendered.c_str();
}

const char *regcompat_severity_name(regcompat_severity severity) {
  if (severity < REGCOMPAT_SEVERITY_ERROR || severity > REGCOMPAT_SEVERITY_NOTE) return "?";
  // toString() views string literals, so data() is NUL-terminated.
  return rt::toString(static_cast<rt::Severity>(severity)).data();
}

const char *regcompat_finding_kind_name(regcompat_finding_kind kind) {
  if (kind < REGCOMPAT_KIND_STREAM_TOO_LONG || kind > REGCOMPAT_KIND_PIN_MISMATCH) return "?";
  return rt::toString(static_cast<rt::FindingKind>(kind)).data();
}

const char *regcompat_side_name(regcompat_side side) {
  if (side < REGCOMPAT_SIDE_NOT_APPLICABLE || side > REGCOMPAT_SIDE_BOTH) return "?";
  return rt::toString(static_cast<rt::Side>(side)).data();
}

size_t regcompat_describe_register(uint64_t index, char *buf, size_t buf_size) {
  std::string text;
  try {
    text = rt::describeRegister(index);
  } catch (...) {
    failWith(REGCOMPAT_ERR_NO_MEMORY, "out of memory");
  }
  if (buf != nullptr && buf_size != 0) {
    const std::size_t n = text.size() < buf_size ? text.size() : buf_size - 1;
    std::memcpy(buf, text.data(), n);
    buf[n] = '\0';
  }
  return text.size();
}

} // extern "C"
