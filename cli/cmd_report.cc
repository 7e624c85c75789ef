// `regcompat report`: the HTML report of a policy over a database (migration
// matrices, register deltas per release, table entries, register-set sizes,
// pools) with the release gate's verdict, and optionally the gate's JSON
// from the same analysis, so that a pipeline gets both from one run.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "register_lookup.h"
#include "gen_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/file_text.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/release_gate.h"
#include "regcompat/json.h"

namespace regcompat::cli {
namespace {

struct ReportOptions {
  std::string db, policy;
  std::string out;
  std::string json;
  std::string title;
  std::string generated_at;
  bool no_pools = false;
  std::vector<std::string> vm_results;
  std::string real_qemu;
};

std::string readTextOrThrow(const std::string &path) {
  auto text = db::readInputFile(path);
  if (!text) throw CommandError(kExitBadInput, text.error());
  return std::move(text).value();
}

json::Value readJsonOrThrow(const std::string &path) {
  auto parsed = json::parse(readTextOrThrow(path));
  if (!parsed) throw CommandError(kExitBadInput, path + ": " + parsed.error());
  return std::move(parsed).value();
}
std::string str(const json::Value *v) { return v && v->isString() ? v->asString() : std::string("?"); }
bool flag(const json::Value *v) { return v && v->isBool() && v->asBool(); }

// A section of the page per `regcompat pipeline vm-run` result: which
// migrations loaded, which failed and on what, and where the guest finished.
// A regvm message names a register by index and encoding ("0x603000000013c021
// (S3_0_C0_C4_1)"); the report names it too, from the database's catalogue:
// "0x603000000013c021 ID_AA64PFR1_EL1 (S3_0_C0_C4_1)".
std::string withRegisterNames(const std::string &line, const RegisterLookup &lookup) {
  auto isHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    const bool index_here = line.compare(i, 2, "0x") == 0 && i + 18 <= line.size() &&
                            std::all_of(line.begin() + static_cast<long>(i) + 2,
                                        line.begin() + static_cast<long>(i) + 18, isHex) &&
                            (i + 18 == line.size() || !isHex(line[i + 18])) && (i == 0 || !isHex(line[i - 1]));
    if (!index_here) {
      out += line[i++];
      continue;
    }
    const std::string index = line.substr(i, 18);
    out += index;
    i += 18;
    auto id = RegisterId::fromIndex(std::stoull(index, nullptr, 16));
    if (!id) continue;
    const auto name = lookup.nameOf(id.value());
    if (name && line.compare(i, name->size() + 1, " " + *name) != 0) out += " " + *name;
  }
  return out;
}

generator::HtmlSection vmSection(const std::string &path, const RegisterLookup &lookup) {
  const json::Value d = readJsonOrThrow(path);
  generator::HtmlSection section;
  const std::string name = std::filesystem::path(path).stem().string();
  section.id = "vm-" + name;
  section.heading = "VM migrations " + name + ": " + str(d.find("machine")) + ", " + str(d.find("arch")) + "/" +
                    str(d.find("accel")) + " " + str(d.find("cpu")) + ", " + str(d.find("source")) + " <-> " +
                    str(d.find("destination"));
  std::string text = flag(d.find("ok")) ? "Verdict: ok (every migration with the table loads; every guest "
                                         "finished with the unmigrated run's console output).\n"
                                       : "Verdict: PROBLEM.\n";
  if (const auto *attempts = d.find("attempts") && d.find("attempts")->isArray() ? &d.find("attempts")->asArray() : nullptr) {
    for (const json::Value &a : *attempts) {
      text += "\n" + str(a.find("direction")) + (flag(a.find("with_table")) ? " with the table: " : " without a table: ") +
              str(a.find("from")) + " -> " + str(a.find("to")) + ": " + str(a.find("status")) +
              "; guest finished on the " + str(a.find("finished_on")) +
              (flag(a.find("console_matches")) ? ", console output as unmigrated" : ", console output DIFFERS");
      if (const json::Value *p = a.find("problem")) text += "\n  problem: " + withRegisterNames(str(p), lookup);
      if (str(a.find("status")) == "fails")
        if (const auto *errors = a.find("errors") && a.find("errors")->isArray() ? &a.find("errors")->asArray() : nullptr)
          for (const json::Value &e : *errors) text += "\n  " + withRegisterNames(str(&e), lookup);
    }
  }
  section.text = text;
  return section;
}

// The real-QEMU matrix (release/real-qemu-matrix --json): every load between
// Debian's real binaries with the prediction beside it.
generator::HtmlSection realQemuSection(const std::string &path) {
  const json::Value d = readJsonOrThrow(path);
  const json::Value *cells = d.find("cells");
  if (cells == nullptr || !cells->isArray()) throw CommandError(kExitBadInput, path + ": no \"cells\" array (not a real-qemu-matrix result)");
  std::size_t agree = 0;
  std::string rows;
  for (const json::Value &c : cells->asArray()) {
    const json::Value *dis = c.find("disagreements");
    const bool ok = dis != nullptr && dis->isArray() && dis->asArray().empty();
    agree += ok ? 1 : 0;
    rows += "\n" + str(c.find("machine")) + " " + str(c.find("cpu")) + ": " + str(c.find("source")) + " -> " +
            str(c.find("dest")) + ": real QEMU " + (flag(c.find("real_loads")) ? "loads" : "fails") + ", predicted " +
            (flag(c.find("predicted_loads")) ? "loads" : "fails") + " (" + str(c.find("predicted_check")) + ")" +
            (ok ? "" : "  DISAGREES");
    if (!ok)
      for (const json::Value &x : dis->asArray()) rows += "\n  " + str(&x);
  }
  std::string peers;
  if (const json::Value *p = d.find("peers"); p != nullptr && p->isObject())
    for (const auto &[release, version] : p->asObject()) peers += (peers.empty() ? "" : ", ") + release + " (" + str(&version) + ")";
  generator::HtmlSection section;
  section.id = "real-qemu";
  section.heading = "Real QEMU matrix: every load between Debian's binaries, with the prediction";
  section.text = "Binaries: " + peers + ". " + std::to_string(cells->asArray().size()) + " loads, prediction = reality in " +
                 std::to_string(agree) + "." + rows;
  return section;
}

void writeOutput(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text;
    return;
  }
  auto written = db::writeFileAtomically(path, text);
  if (!written) throw CommandError(kExitOutput, "cannot write " + path + ": " + written.error());
}

void run(const ReportOptions &opt) {
  if (opt.out == "-" && opt.json == "-") throw CommandError(kExitUsage, "only one output may be '-' (standard output)");
  const GenerationInputs inputs = loadGenerationInputs(opt.db, opt.policy, !opt.no_pools);
  const generator::Analysis &analysis = *inputs.analysis;
  generator::GateOptions gate_options;
  gate_options.tool_version = REGCOMPAT_VERSION;
  gate_options.inputs = gateInputs(opt.db, opt.policy);
  // One verdict: the report shows the gate `regcompat check` gives by default.
  if (analysis.judgedOnQemu()) gate_options.rules = generator::GateRules::Qemu;
  auto gate = generator::runGate(analysis, gate_options);
  if (!gate) throw CommandError(kExitInternal, gate.error());

  generator::HtmlReportOptions html;
  html.title = opt.title;
  html.generated_at = opt.generated_at;
  html.gate = &gate.value();
  html.gate_options = &gate_options;
  if (!opt.real_qemu.empty()) html.extra_sections.push_back(realQemuSection(opt.real_qemu));
  const RegisterLookup lookup(inputs.database);
  for (const auto &path : opt.vm_results) html.extra_sections.push_back(vmSection(path, lookup));
  writeOutput(opt.out, generator::emitHtmlReport(analysis, html));
  if (!opt.json.empty()) writeOutput(opt.json, generator::renderGateJson(analysis, gate_options, *gate));
}

} // namespace

void addReportCommand(CLI::App &app, int &exitCode) {
  auto opt = std::make_shared<ReportOptions>();
  auto *cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page (no script, no external asset) on a policy over a "
      "database: the release gate's verdict, per machine type the migration matrix (loads, "
      "loads thanks to table entries, fails, not required), the compat table entries with their "
      "reasons and the migration pools; register deltas per release and register-set sizes per "
      "release (SVG). Same input, same bytes. Exit 0 when written, whatever the verdict");
  cmd->add_option("--db", opt->db, "Database directory (default: $REGCOMPAT_DB, else an installed regcompat's shipped database)");
  cmd->add_option("--policy", opt->policy, "Support policy (YAML, generator/POLICY.md)")->required();
  cmd->add_option("--out", opt->out, "Write the HTML report here ('-': stdout)")->required();
  cmd->add_option("--json", opt->json,
                  "Also write the release gate's JSON (as `regcompat check --format json`) here ('-': stdout)");
  cmd->add_option("--title", opt->title, "Page title (default: \"regcompat report: <policy name>\")");
  cmd->add_option("--generated-at", opt->generated_at,
                  "A date or build id to print in the report (the report reads no clock)");
  cmd->add_flag("--no-pools", opt->no_pools, "Skip the migration-pool search");
  cmd->add_option("--vm-result", opt->vm_results,
                  "A `regcompat pipeline vm-run` result (JSON) to show as a section; repeatable")
      ->check(CLI::ExistingFile);
  cmd->add_option("--real-qemu", opt->real_qemu,
                  "The real-QEMU matrix (release/real-qemu-matrix --json) to show beside the prediction")
      ->check(CLI::ExistingFile);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt, &exitCode] {
    run(*opt);
    exitCode = kExitOk;
  });
}

} // namespace regcompat::cli
