// Register deltas between consecutive component releases and register-set
// sizes per release, for the HTML report. The sets are the platforms' own
// (PlatformSet), the deltas the database's diff (db::diff).
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "html_report_parts.h"
#include "html_text.h"
#include "identifiers.h"
#include "regcompat/db/set_algebra.h"
#include "regcompat/db/set_key.h"
#include "svg_bar_chart.h"

namespace regcompat::generator::html {
namespace {

// Every register set a platform of the policy uses, in the database's key
// order (component, release by version, arch, accelerator, profile), with
// the platform that uses it first.
std::map<db::SetKey, const Platform *> setsInUse(const PlatformSet &set) {
  std::map<db::SetKey, const Platform *> out;
  for (const Platform &p : set.platforms) out.emplace(p.set->key, &p);
  return out;
}

std::string optionalValue(const std::optional<std::uint64_t> &v) { return v ? hexValue(*v) : "none"; }

std::string flagsText(const std::vector<std::string> &flags) {
  std::string out;
  for (const std::string &f : flags) out += (out.empty() ? "" : ",") + f;
  return out.empty() ? "none" : out;
}

// One row of a delta table: a register and what happened to it, with the
// profiles it happened in.
struct DeltaKey {
  std::string change;  // "added", "removed", "changed"
  std::uint64_t index = 0;
  std::string detail;
  auto operator<=>(const DeltaKey &) const = default;
};

struct DeltaRow {
  RegisterId id;
  bool migrated = true;
  std::vector<std::string> profiles;  // "tcg/max"
};

std::string changeDetail(const db::RegisterChange &c) {
  std::string out;
  auto add = [&out](const std::string &part) { out += (out.empty() ? "" : "; ") + part; };
  if (c.name_changed) add("name " + c.before.name + " -> " + c.after.name);
  if (c.flags_changed) add("flags " + flagsText(c.before.flags) + " -> " + flagsText(c.after.flags));
  if (c.value_changed) add("value " + optionalValue(c.before.value) + " -> " + optionalValue(c.after.value));
  return out;
}

std::string deltaTable(const PlatformSet &set, const std::map<DeltaKey, DeltaRow> &rows, std::size_t profiles) {
  std::string out =
      "<table class=\"delta\">\n<tr><th>change</th><th>register</th><th>text form</th><th>index</th>"
      "<th>detail</th><th>CPU models / host profiles</th></tr>\n";
  for (const auto &[key, row] : rows) {
    std::string where;
    if (row.profiles.size() == profiles && profiles > 1) {
      where = "all " + std::to_string(profiles);
    } else {
      for (const std::string &p : row.profiles) where += (where.empty() ? "" : ", ") + p;
    }
    std::string detail = key.detail;
    if (!row.migrated) detail += std::string(detail.empty() ? "" : "; ") + "not migrated (alias or no_raw)";
    out += "<tr" + attr("class", key.change) + attr("data-change", key.change) +
           attr("data-index", hex16(key.index)) + "><td>" + escape(key.change) + "</td><td>" +
           escape(set.displayName(row.id)) + "</td><td><code>" + escape(row.id.toText()) + "</code></td><td><code>" +
           escape(hex16(key.index)) + "</code></td><td>" + escape(detail) + "</td><td>" + escape(where) +
           "</td></tr>\n";
  }
  return out + "</table>\n";
}

} // namespace

std::string releaseDeltas(const PlatformSet &set) {
  const auto in_use = setsInUse(set);
  // component -> its releases in version order; (component, release) -> sets.
  std::map<std::string, std::vector<std::string>> releases;
  std::map<std::pair<std::string, std::string>, std::vector<const db::RegisterSet *>> sets_of;
  for (const auto &[key, platform] : in_use) {
    auto &list = releases[key.component];
    if (list.empty() || list.back() != key.release) list.push_back(key.release);
    sets_of[{key.component, key.release}].push_back(platform->set);
  }
  std::string out;
  for (const auto &[component, versions] : releases) {
    for (std::size_t i = 1; i < versions.size(); ++i) {
      const std::string &from = versions[i - 1], &to = versions[i];
      std::map<DeltaKey, DeltaRow> rows;
      std::size_t compared = 0;
      std::string unchanged;
      for (const db::RegisterSet *a : sets_of[{component, from}]) {
        for (const db::RegisterSet *b : sets_of[{component, to}]) {
          if (a->key.arch != b->key.arch || a->key.accelerator != b->key.accelerator ||
              a->key.profile != b->key.profile)
            continue;
          ++compared;
          const std::string profile = a->key.accelerator + "/" + a->key.profile;
          const db::SetDiff d = db::diff(*a, *b);
          if (d.empty()) unchanged += (unchanged.empty() ? "" : ", ") + profile;
          auto note = [&](const std::string &change, const db::RegisterEntry &e, std::string detail) {
            DeltaRow &row = rows[DeltaKey{change, e.id.index(), std::move(detail)}];
            row.id = e.id;
            row.migrated = e.migrated();
            row.profiles.push_back(profile);
          };
          for (const db::RegisterEntry &e : d.added) note("added", e, "");
          for (const db::RegisterEntry &e : d.removed) note("removed", e, "");
          for (const db::RegisterChange &c : d.changed) note("changed", c.after, changeDetail(c));
        }
      }
      std::size_t added = 0, removed = 0, changed = 0;
      for (const auto &[key, row] : rows) {
        (key.change == "added" ? added : key.change == "removed" ? removed : changed) += 1;
      }
      const std::string title = component + " " + from + " \xE2\x86\x92 " + to;  // U+2192
      out += "<section class=\"delta\"" + attr("id", "delta-" + idPart(component + "-" + from + "-" + to)) +
             attr("data-component", component) + attr("data-from", from) + attr("data-to", to) + ">\n<h3>" +
             escape(title) + "</h3>\n<p>" + std::to_string(added) + " added, " + std::to_string(removed) +
             " removed, " + std::to_string(changed) + " changed registers over " + std::to_string(compared) +
             " CPU model / host profile set(s)";
      if (!unchanged.empty()) out += "; unchanged: " + escape(unchanged);
      out += ".</p>\n";
      if (!rows.empty()) out += deltaTable(set, rows, compared);
      out += "</section>\n";
    }
  }
  if (out.empty()) out = "<p>No component has two releases in this policy: there is no delta to show.</p>\n";
  return out;
}

std::string registerSetSizes(const PlatformSet &set) {
  BarChart chart;
  chart.id = "register-set-sizes";
  chart.title = "Registers on the migration stream per release";
  chart.y_label = "registers migrated";
  for (const auto &[key, platform] : setsInUse(set)) {
    if (chart.categories.empty() || chart.categories.back().sublabel != key.component ||
        chart.categories.back().label != key.release)
      chart.categories.push_back({key.release, key.component, {}});
    const std::uint64_t count = platform->registers.size();
    chart.categories.back().bars.push_back(
        {key.accelerator + "/" + key.profile, count,
         attr("data-set", key.toString()) + attr("data-release", key.component + "/" + key.release) +
             attr("data-profile", key.accelerator + "/" + key.profile) + attr("data-count", count),
         key.toString() + ": " + std::to_string(count) + " registers migrated"});
  }
  if (chart.categories.empty()) return "<p>The policy has no platform: there is no register set to plot.</p>\n";
  return renderBarChart(chart);
}

} // namespace regcompat::generator::html
