// The migration matrices of the HTML report: the analysis' own verdicts per
// required migration, nothing re-derived: the runtime's merge (EdgeVerdict)
// and, for Arm policies, real QEMU's loader (QemuEdgeVerdict, the verdict
// the release gate gives by default), side by side in each cell.
#include <map>
#include <utility>
#include <vector>

#include "emit_common.h"
#include "html_report_parts.h"
#include "html_text.h"

namespace regcompat::generator::html {
namespace {

struct Status {
  const char *name;    // data-status
  const char *symbol;  // what the cell shows
  const char *meaning;
};

constexpr Status kLoads{"loads", "&#x2713;", "loads without a compat table"};
constexpr Status kLoadsWithTable{"loads-with-table", "T", "fails without a table, loads thanks to its entries"};
constexpr Status kFails{"fails", "&#x2717;", "fails even with the computed table"};
constexpr Status kNotRequired{"not-required", "", "not a migration the policy requires"};
constexpr Status kSamePlatform{"same-platform", "&#x2014;", "source and destination are one platform"};

constexpr Status kQemuAsIs{"loads-as-is", "&#x2713;", "QEMU: loads as is"};
constexpr Status kQemuOwn{"loads-under-own-tolerances", "O",
                          "QEMU: loads under the destination release's own tolerances"};
constexpr Status kQemuGenerated{"fixed-by-generated-tolerances", "G",
                                "QEMU: loads once the generated tolerances are registered"};
constexpr Status kQemuInexpressible{"inexpressible", "&#x2717;",
                                    "QEMU: no tolerance makes it load (changed constant, length cap, removed register)"};
constexpr Status kQemuUnjudged{"unjudged", "?", "QEMU: no loader model for the destination release"};

const Status &qemuStatusOf(const QemuEdgeVerdict &v) {
  switch (v.kind) {
    case QemuVerdictKind::LoadsAsIs: return kQemuAsIs;
    case QemuVerdictKind::LoadsUnderOwnTolerances: return kQemuOwn;
    case QemuVerdictKind::FixedByGeneratedTolerances: return kQemuGenerated;
    case QemuVerdictKind::Inexpressible: return kQemuInexpressible;
    case QemuVerdictKind::Unjudged: break;
  }
  return kQemuUnjudged;
}

const Status &statusOf(const EdgeVerdict &v) {
  if (!v.with_table.loads) return kFails;
  return v.without_table.loads ? kLoads : kLoadsWithTable;
}

// "10.0.13/6.12.107": the platform without its group, which the matrix names.
std::string shortName(const Platform &p, const std::vector<const Product *> &products) {
  return products[p.product]->release + "/" + p.kernel;
}

// For each required migration, the table entries (own ones) and blockers
// that decide it, as one tooltip line each.
std::map<std::size_t, std::vector<std::string>> reasonsByEdge(const PlatformSet &set, const MachineTypeResult &m) {
  std::map<std::size_t, std::vector<std::string>> out;
  for (const auto *list : {&m.table.hidden, &m.table.safe_missing, &m.table.values})
    for (const TableEntry &e : *list)
      for (std::size_t edge : e.edges)
        out[edge].push_back(std::string(toString(e.kind)) + " " + registerLabel(set, e.id));
  for (const Blocker &b : m.table.blockers)
    out[b.edge].push_back("no table fixes " + registerLabel(set, b.id) + ": " + b.reason);
  return out;
}

} // namespace

std::string_view cellStatusLegend() {
  static const std::string legend = [] {
    std::string out = "<ul class=\"legend\">\n";
    for (const Status *s : {&kLoads, &kLoadsWithTable, &kFails, &kNotRequired, &kSamePlatform})
      out += std::string("<li><span class=\"cell ") + s->name + "\">" + s->symbol + "</span> " + s->name +
             ": " + s->meaning + "</li>\n";
    out += "</ul>\n<p>In Arm policies each required cell also shows, after a slash, real QEMU's verdict (the "
           "release gate's):</p>\n<ul class=\"legend\">\n";
    for (const Status *s : {&kQemuAsIs, &kQemuOwn, &kQemuGenerated, &kQemuInexpressible})
      out += std::string("<li><span class=\"qemu ") + s->name + "\">" + s->symbol + "</span> " + s->name +
             ": " + s->meaning + "</li>\n";
    return out + "</ul>\n";
  }();
  return legend;
}

std::string migrationMatrices(const Analysis &analysis, const MachineTypeResult &m) {
  const PlatformSet &set = *analysis.set;
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> edge_of;
  for (std::size_t e = 0; e < m.graph.edges.size(); ++e)
    edge_of.emplace(std::pair{m.graph.edges[e].source, m.graph.edges[e].dest}, e);
  const auto reasons = reasonsByEdge(set, m);

  std::string out = "<div class=\"matrices\">\n";
  for (const std::string &group : m.graph.groups(set)) {
    const std::vector<std::size_t> platforms = m.graph.group(set, group);
    out += "<table class=\"matrix\"" + attr("data-machine-type", m.graph.name()) + attr("data-group", group) +
           ">\n<caption>" + escape(group) + "</caption>\n<tr><th class=\"corner\">source &#x2193; dest &#x2192;</th>";
    for (std::size_t d : platforms)
      out += "<th scope=\"col\"" + attr("title", set.platforms[d].id) + ">" +
             escape(shortName(set.platforms[d], set.products)) + "</th>";
    out += "</tr>\n";
    for (std::size_t s : platforms) {
      const Platform &source = set.platforms[s];
      out += "<tr><th scope=\"row\"" + attr("title", source.id) + ">" + escape(shortName(source, set.products)) +
             "</th>";
      for (std::size_t d : platforms) {
        const Platform &dest = set.platforms[d];
        const Status *status = &kNotRequired;
        std::string tooltip = source.id + " -> " + dest.id;
        std::string direction;
        const Status *qemu = nullptr;
        if (s == d) {
          status = &kSamePlatform;
        } else if (auto it = edge_of.find({s, d}); it != edge_of.end()) {
          const std::size_t e = it->second;
          status = &statusOf(m.verdicts[e]);
          direction = std::string(toString(m.graph.edges[e].direction));
          tooltip += " (" + direction + "): " + status->meaning;
          if (auto r = reasons.find(e); r != reasons.end())
            for (const std::string &line : r->second) tooltip += "\n" + line;
          if (e < m.qemu.size()) {
            qemu = &qemuStatusOf(m.qemu[e]);
            tooltip += "\n" + std::string(qemu->meaning);
            for (const std::string &line : qemuVerdictLines(set, m.qemu[e])) tooltip += "\n" + line;
          }
        } else {
          tooltip += ": " + std::string(status->meaning);
        }
        out += std::string("<td class=\"cell ") + status->name + "\"" +
               attr("id", "cell-" + idPart(m.graph.name()) + "-" + idPart(source.id) + "-" + idPart(dest.id)) +
               attr("data-machine-type", m.graph.name()) + attr("data-source", source.id) +
               attr("data-dest", dest.id) + attr("data-status", status->name) +
               (direction.empty() ? std::string() : attr("data-direction", direction)) +
               (qemu ? attr("data-qemu", qemu->name) : std::string()) + attr("title", tooltip) + ">" +
               status->symbol +
               (qemu ? std::string("/<span class=\"qemu ") + qemu->name + "\">" + qemu->symbol + "</span>"
                     : std::string()) +
               "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out + "</div>\n";
}

} // namespace regcompat::generator::html
