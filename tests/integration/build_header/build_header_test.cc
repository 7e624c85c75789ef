// A VMM's view of a generated header: the compat tables (and, with
// --with-register-sets, every platform's register list and the required
// migrations) compiled in, the runtime library linked, every required
// migration replayed through the runtime's save and merge.
#include <cstdio>
#include <cstring>
#include <string>

#include "regcompat/runtime.h"
#include "vmm_tables.hpp"

namespace {

using namespace regcompat;

int failures = 0;

void check(bool ok, const std::string &what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
}

runtime::CompatTable tableOf(const vmm::tables::CompatTableView &view) {
  runtime::CompatTableSpec spec;
  spec.machine_type = view.machine_type;
  spec.hidden.assign(view.hidden, view.hidden + view.hidden_count);
  spec.safe_missing.assign(view.safe_missing, view.safe_missing + view.safe_missing_count);
  for (std::size_t i = 0; i < view.pinned_count; ++i)
    spec.value_rules.push_back(runtime::Pin{view.pinned[i].index, view.pinned[i].value});
  for (std::size_t i = 0; i < view.tolerated_count; ++i)
    spec.value_rules.push_back(runtime::Tolerate{view.tolerated[i]});
  auto table = runtime::CompatTable::create(std::move(spec));
  if (!table) {
    std::fprintf(stderr, "FAIL: %s: %s\n", view.machine_type, table.error().c_str());
    ++failures;
    return runtime::CompatTable(view.machine_type);
  }
  return std::move(table).value();
}

runtime::LocalRegisterList registersOf(const vmm::tables::PlatformView &platform) {
  runtime::LocalRegisterList list;
  for (std::size_t i = 0; i < platform.count; ++i)
    list.push_back({platform.registers[i].index, platform.registers[i].value, platform.registers[i].is_constant});
  return list;
}

runtime::MergeReport migrate(const vmm::tables::PlatformView &source, const vmm::tables::PlatformView &dest,
                             const runtime::CompatTable &table) {
  auto stream = runtime::outgoing(registersOf(source), table);
  check(stream.ok(), std::string("outgoing from ") + source.id);
  if (!stream) return {};
  return runtime::merge(registersOf(dest), stream.value(), table);
}

} // namespace

int main() {
  using vmm::tables::kPlatforms;
  using vmm::tables::kRequiredMigrations;
  using vmm::tables::kTables;
  static_assert(kTables.size() == 3, "the fixture policy has three machine types");

  std::size_t failing_without = 0;
  bool saw_dbgdtr = false;
  for (const auto &m : kRequiredMigrations) {
    const auto &view = kTables[m.table];
    const auto &src = kPlatforms[m.source];
    const auto &dst = kPlatforms[m.dest];
    const std::string what = std::string(view.machine_type) + ": " + src.id + " -> " + dst.id;
    const runtime::MergeReport without = migrate(src, dst, runtime::CompatTable(view.machine_type));
    const runtime::MergeReport with = migrate(src, dst, tableOf(view));
    check(without.ok == m.loads_without_table, what + ": without a table, the runtime disagrees with the generator");
    check(with.ok == m.loads_with_table, what + ": with the table, the runtime disagrees with the generator");
    check(with.ok, what + ": does not load with the generated table\n" + runtime::renderReport(with));
    failing_without += without.ok ? 0 : 1;
    // The DBGDTR breakage: 10.2.2 -> 10.0.13 under TCG fails on the bogus
    // register, and virt-10.0's table fixes it.
    if (std::strcmp(view.machine_type, "virt-10.0") == 0 && std::strcmp(src.id, "10.2.2/6.12/tcg/max") == 0 &&
        std::strcmp(dst.id, "10.0.13/6.12/tcg/max") == 0) {
      saw_dbgdtr = true;
      check(!without.ok && without.findings.size() >= 1 && without.findings[0].index == 0x40200000200e0298u,
            what + ": should fail on 0x40200000200e0298 without a table");
    }
  }
  check(saw_dbgdtr, "the required migrations include 10.2.2 -> 10.0.13 under virt-10.0");
  check(failing_without > 0, "some required migrations fail without tables");
  std::printf("%zu required migrations: %zu fail without tables, all load with the generated tables\n",
              kRequiredMigrations.size(), failing_without);
  return failures == 0 ? 0 : 1;
}
