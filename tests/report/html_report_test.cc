// The HTML report emitter: every matrix cell is the analysis' own verdict,
// names from the database and the policy are escaped, the same input gives
// the same bytes, and degenerate policies still give a complete page.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "generator_test_support.h"
#include "html_text.h"
#include "regcompat/hex_format.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/release_gate.h"
#include "svg_bar_chart.h"

namespace regcompat::generator {
namespace {

using testing::Loaded;

std::size_t occurrences(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// data-status of every matrix cell, by (machine type, source, dest).
std::map<std::tuple<std::string, std::string, std::string>, std::string> cellStatuses(const std::string &page) {
  static const std::regex cell(
      "<td class=\"cell [a-z-]+\" id=\"[^\"]*\" data-machine-type=\"([^\"]*)\" data-source=\"([^\"]*)\" "
      "data-dest=\"([^\"]*)\" data-status=\"([a-z-]+)\"");
  std::map<std::tuple<std::string, std::string, std::string>, std::string> out;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), cell); it != std::sregex_iterator(); ++it)
    out[{(*it)[1], (*it)[2], (*it)[3]}] = (*it)[4];
  return out;
}

class HtmlReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = new Loaded(testing::loadFixture()); }
  static void TearDownTestSuite() { delete fixture_; }
  static Loaded *fixture_;
};
Loaded *HtmlReport::fixture_ = nullptr;

TEST_F(HtmlReport, SameInputSameBytes) {
  const Loaded again = testing::loadFixture();
  const std::string first = emitHtmlReport(*fixture_->analysis);
  EXPECT_EQ(first, emitHtmlReport(*again.analysis));
  EXPECT_EQ(first, emitHtmlReport(*fixture_->analysis));
}

TEST_F(HtmlReport, IsOneSelfContainedPageWithoutScript) {
  const std::string page = emitHtmlReport(*fixture_->analysis);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(page.find("<title>regcompat report: generator-fixture</title>"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  // Every element the emitter opens it closes.
  for (const char *tag : {"section", "table", "tr", "td", "svg", "ul", "li", "h2", "h3", "h4", "p"}) {
    EXPECT_EQ(occurrences(page, std::string("<") + tag + ">") + occurrences(page, std::string("<") + tag + " "),
              occurrences(page, std::string("</") + tag + ">"))
        << tag;
  }
}

// Each required migration's cell carries the verdict the runtime's merge gave
// (without and with the table); every other pair of a group is there too.
TEST_F(HtmlReport, EveryCellIsTheAnalysisVerdict) {
  const Loaded &f = *fixture_;
  const auto cells = cellStatuses(emitHtmlReport(*f.analysis));
  std::size_t expected_cells = 0, expected_same = 0;
  std::set<std::string> seen_statuses;
  for (const MachineTypeResult &m : f.analysis->machine_types) {
    for (const std::string &g : m.graph.groups(*f.set)) {
      const auto n = m.graph.group(*f.set, g).size();
      expected_cells += n * n;
      expected_same += n;
    }
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      const auto &edge = m.graph.edges[e];
      const auto it = cells.find({m.graph.name(), f.set->platforms[edge.source].id, f.set->platforms[edge.dest].id});
      ASSERT_NE(it, cells.end());
      const EdgeVerdict &v = m.verdicts[e];
      const std::string expected = !v.with_table.loads ? "fails" : v.without_table.loads ? "loads" : "loads-with-table";
      EXPECT_EQ(it->second, expected) << m.graph.name() << " " << f.set->platforms[edge.source].id << " -> "
                                      << f.set->platforms[edge.dest].id;
      seen_statuses.insert(it->second);
    }
  }
  EXPECT_EQ(cells.size(), expected_cells);
  std::size_t required = 0, same = 0;
  for (const auto &[key, status] : cells) {
    required += status == "loads" || status == "loads-with-table" || status == "fails";
    same += status == "same-platform";
    EXPECT_EQ(status == "same-platform", std::get<1>(key) == std::get<2>(key));
  }
  EXPECT_EQ(required, f.analysis->requiredMigrations());
  EXPECT_EQ(same, expected_same);
  // The fixture has both kinds of required migration.
  EXPECT_TRUE(seen_statuses.count("loads"));
  EXPECT_TRUE(seen_statuses.count("loads-with-table"));
}

TEST_F(HtmlReport, ListsEveryTableEntryWithItsReasonAndEveryPool) {
  const Loaded &f = *fixture_;
  const std::string page = emitHtmlReport(*f.analysis);
  for (const MachineTypeResult &m : f.analysis->machine_types) {
    EXPECT_NE(page.find("data-machine-type=\"" + m.graph.name() + "\">\n<h2>"), std::string::npos);
    for (const auto *list : {&m.table.hidden, &m.table.safe_missing, &m.table.values})
      for (const TableEntry &e : *list) {
        const std::string row = "data-kind=\"" + std::string(toString(e.kind)) + "\" data-index=\"" +
                                hexIndex(e.id.index()) + "\"";
        EXPECT_NE(page.find(row), std::string::npos) << m.graph.name() << " " << row;
        EXPECT_NE(page.find(html::escape(e.reason)), std::string::npos);
      }
    for (const Pool &p : m.pools)
      EXPECT_NE(page.find("data-group=\"" + p.group + "\" data-size=\"" + std::to_string(p.platforms.size())),
                std::string::npos);
  }
  // The bogus DBGDTR register QEMU 10.1 dropped and 10.2 restored.
  EXPECT_NE(page.find("BOGUS_DBGDTR_EL0"), std::string::npos);
}

TEST_F(HtmlReport, PlotsOneBarPerRegisterSetInUse) {
  const Loaded &f = *fixture_;
  const std::string page = emitHtmlReport(*f.analysis);
  std::map<std::string, std::size_t> sizes;
  for (const Platform &p : f.set->platforms) sizes[p.set->key.toString()] = p.registers.size();
  EXPECT_EQ(occurrences(page, "<rect class=\"bar\""), sizes.size());
  for (const auto &[key, n] : sizes)
    EXPECT_NE(page.find("data-set=\"" + key + "\" data-release=\""), std::string::npos) << key;
  for (const auto &[key, n] : sizes)
    EXPECT_NE(page.find("data-profile=\"" + key.substr(key.find("/arm64/") + 7) + "\" data-count=\"" +
                        std::to_string(n) + "\""),
              std::string::npos)
        << key;
}

TEST_F(HtmlReport, ShowsRegisterDeltasBetweenConsecutiveReleases) {
  const std::string page = emitHtmlReport(*fixture_->analysis);
  EXPECT_NE(page.find("data-component=\"qemu\" data-from=\"7.2\" data-to=\"10.0.13\""), std::string::npos);
  EXPECT_NE(page.find("data-component=\"qemu\" data-from=\"10.0.13\" data-to=\"10.2.2\""), std::string::npos);
  EXPECT_NE(page.find("data-component=\"linux\" data-from=\"6.12\" data-to=\"7.1\""), std::string::npos);
  // Linux 7.1 stops exposing TCR2_EL1; QEMU 10.2 puts the bogus register back.
  EXPECT_NE(page.find("data-change=\"removed\" data-index=\"0x603000000013c103\""), std::string::npos);
  EXPECT_NE(page.find("data-change=\"added\" data-index=\"0x40200000200e0298\""), std::string::npos);
}

TEST_F(HtmlReport, GateVerdictTitleDateAndExtraSections) {
  const Loaded &f = *fixture_;
  auto gate = runGate(*f.analysis, {});
  ASSERT_TRUE(gate);
  HtmlReportOptions options;
  options.title = "Release 42 <rc1>";
  options.generated_at = "2025-01-02";
  options.gate = &gate.value();
  options.extra_sections.push_back({"vm migrations", "VM <migrations>", "a -> b: ok & done\n"});
  const std::string page = emitHtmlReport(*f.analysis, options);
  EXPECT_NE(page.find("<title>Release 42 &lt;rc1&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("<span id=\"generated-at\">Generated 2025-01-02.</span>"), std::string::npos);
  EXPECT_NE(page.find("<section id=\"gate\" data-exit-status=\"" + std::to_string(gate->exitBits()) + "\">"),
            std::string::npos);
  EXPECT_NE(page.find("<section class=\"extra\" id=\"vm_20migrations\">\n<h2>VM &lt;migrations&gt;</h2>\n"
                      "<pre>a -&gt; b: ok &amp; done\n</pre>"),
            std::string::npos);
  EXPECT_NE(page.find("<a href=\"#vm_20migrations\">"), std::string::npos);
  // Without a date the page has none: no clock is read.
  EXPECT_EQ(emitHtmlReport(*f.analysis).find("generated-at"), std::string::npos);
}

// Register names come from the database's catalogue and the policy's name
// from its author: neither may open an element or end an attribute.
TEST(HtmlReportEscaping, NamesFromTheCatalogueAndThePolicy) {
  auto database = testing::loadDb(testing::fixtureDir() / "db");
  const std::string hostile = "<script>alert(\"x\")</script> & 'q'";
  db::Catalogue renamed;
  for (db::CatalogueEntry e : database->catalogue.entries()) {
    if (e.id.index() == 0x603000000013c103) e.name = hostile;  // TCR2_EL1
    ASSERT_TRUE(renamed.add(e));
  }
  database->catalogue = renamed;
  const std::string policy = testing::replaced(testing::readFile(testing::fixtureDir() / "policy.yaml"),
                                               "name: generator-fixture", "name: \"</title><b x='1'>\"");
  const Loaded l = testing::analyzeText(std::move(database), policy);
  const std::string page = emitHtmlReport(*l.analysis);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<b x="), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"), std::string::npos);
  EXPECT_NE(page.find("<title>regcompat report: &lt;/title&gt;&lt;b x=&#39;1&#39;&gt;</title>"), std::string::npos);
}

TEST(HtmlText, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(html::escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(html::escape(std::string("x\0y\x7f\tz\n", 7)), "x\xEF\xBF\xBDy\xEF\xBF\xBD\tz\n");
  EXPECT_EQ(html::escape("\xC3\xA9"), "\xC3\xA9");  // UTF-8 passes through
  EXPECT_EQ(html::attr("title", "a\"b"), " title=\"a&quot;b\"");
}

TEST(HtmlText, IdPartsAreDistinctForDistinctNames) {
  EXPECT_EQ(html::idPart("10.0.13/6.12/tcg/max"), "10.0.13_2f6.12_2ftcg_2fmax");
  EXPECT_NE(html::idPart("a_b"), html::idPart("a/b"));
  EXPECT_EQ(html::idPart("a b"), "a_20b");
  EXPECT_EQ(html::idPart("a_20b"), "a_5f20b");
  EXPECT_EQ(html::idPart("virt-10.2"), "virt-10.2");
}

TEST(SvgBarChart, RoundTicks) {
  EXPECT_EQ(html::niceStep(0), 1u);
  EXPECT_EQ(html::niceStep(5), 1u);
  EXPECT_EQ(html::niceStep(6), 2u);
  EXPECT_EQ(html::niceStep(363), 100u);
  EXPECT_EQ(html::niceStep(501), 200u);
  EXPECT_EQ(html::niceStep(2400), 500u);
}

TEST(SvgBarChart, BarHeightsScaleWithValues) {
  html::BarChart chart{"c", "t", "y", {{"7.2", "qemu", {{"max", 300, "", "a"}, {"a57", 150, "", "b"}}}}};
  const std::string svg = html::renderBarChart(chart);
  // The axis ends at 300 (ticks of 100): the tallest bar fills the 240
  // pixels, the other half of them.
  EXPECT_NE(svg.find("width=\"16\" height=\"240\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("width=\"16\" height=\"120\""), std::string::npos);
  EXPECT_NE(svg.find(">300</text>"), std::string::npos);
  EXPECT_EQ(occurrences(svg, "class=\"legend-item\""), 2u);
}

// The smallest policy: one product, one kernel, one CPU model: one platform,
// no required migration, no release to compare with.
TEST(HtmlReportDegenerate, OnePlatformPolicy) {
  const std::string policy = R"(schema_version: 1
name: tiny
architecture: arm64
products:
  - release: "10.2.2"
    hypervisor: "10.2.2"
    kernels: ["7.1"]
accelerators:
  kvm:
    cpu_models: [base]
machine_types:
  - name: virt-10.2
migrations:
  - direction: forward
)";
  const Loaded l = testing::analyzeText(testing::loadDb(testing::fixtureDir() / "db"), policy);
  const std::string page = emitHtmlReport(*l.analysis);
  const auto cells = cellStatuses(page);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells.begin()->second, "same-platform");
  EXPECT_NE(page.find("No component has two releases"), std::string::npos);
  EXPECT_EQ(occurrences(page, "<rect class=\"bar\""), 1u);
  EXPECT_NE(page.find("<h4>Hidden (0)</h4>\n<p>none</p>"), std::string::npos);
  EXPECT_EQ(page, emitHtmlReport(*l.analysis));
}

TEST(HtmlReportDegenerate, NoMachineType) {
  const Loaded l = testing::loadFixture();
  Analysis empty;
  empty.set = l.set.get();
  const std::string page = emitHtmlReport(empty);
  EXPECT_NE(page.find("The policy declares no machine type."), std::string::npos);
  EXPECT_TRUE(cellStatuses(page).empty());
  EXPECT_NE(page.find("</html>\n"), std::string::npos);
}

} // namespace
} // namespace regcompat::generator
