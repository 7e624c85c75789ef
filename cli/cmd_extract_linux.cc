// `regcompat extract linux`: read a Linux source tree's KVM register lists
// (extractor/linux: arm64 KVM_GET_REG_LIST, x86 KVM MSR lists) and store one
// register set per profile in a database (release linux/VERSION).
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "command.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/json_writer.h"
#include "regcompat/probe/db_store.h"
#include "regcompat/probe/kvm_probe.h"
#include "regcompat/probe/probe_sets.h"

#if __has_include("regcompat/linux/linux_sets.h")
#define REGCOMPAT_HAVE_EXTRACT_LINUX 1
#include "regcompat/linux/arm64_regs.h"
#include "regcompat/linux/linux_sets.h"
#include "regcompat/linux/x86_msrs.h"
#endif

namespace regcompat::cli {
namespace {

struct LinuxOptions {
  std::string source, release, arch, db;
  bool check_selftest = false;
  bool compare_live = false;
  OutputFormat format = OutputFormat::Text;
};

#ifdef REGCOMPAT_HAVE_EXTRACT_LINUX
namespace k = regcompat::kernel;

// What one extraction produced, independent of the architecture.
struct Extracted {
  std::vector<db::RegisterSet> sets;
  std::vector<std::string> warnings;
  std::vector<k::ParseReport> parses;
};

void warnParses(const std::vector<k::ParseReport> &parses, std::vector<std::string> &warnings) {
  for (const auto &p : parses)
    if (p.errors != 0)
      warnings.push_back(p.file + ": " + std::to_string(p.errors) + " clang error(s) in the kernel headers "
                         "(declarations the extractor evaluates are checked separately)" +
                         (p.first_errors.empty() ? "" : "; first: " + p.first_errors.front()));
}

// --- arm64 ----------------------------------------------------------------------
class Arm64Job {
 public:
  explicit Arm64Job(const k::KernelTree &tree) : tree_(tree) {}

  Extracted run() {
    auto x = k::extractArm64(tree_);
    if (!x) throw CommandError(kExitBadInput, x.error());
    extraction_ = std::move(x).value();
    Extracted out;
    out.sets = k::arm64RegisterSets(extraction_);
    out.parses = extraction_.parses;
    for (const std::string &p : extraction_.unknown_predicates)
      out.warnings.push_back("unknown predicate: visibility function " + p + "() not understood; its registers "
                             "are left out of every profile");
    warnParses(out.parses, out.warnings);
    return out;
  }

  // The kernel selftest's blessed base list against what the extraction lists
  // unconditionally. Returns whether they agree.
  bool checkSelftest(OutputFormat format, JsonWriter &json) {
    auto lists = k::parseGetRegList(tree_);
    if (!lists) throw CommandError(kExitBadInput, lists.error());
    const k::BaseComparison c = k::compareWithBase(extraction_, *lists);
    if (format == OutputFormat::Json) {
      json.key("selftest").beginObject().field("file", lists->file).field("equal", c.equal())
          .field("extracted_always", c.extracted_always).field("selftest_base", c.selftest_base);
      auto ids = [&json](const char *key, const std::vector<std::uint64_t> &v) {
        json.key(key).beginArray();
        for (auto id : v) json.value(JsonWriter::hex(id));
        json.endArray();
      };
      ids("only_extracted", c.only_extracted);
      ids("only_selftest", c.only_selftest);
      ids("selftest_conditional", c.selftest_conditional);
      json.endObject();
    } else {
      std::cout << "selftest " << lists->file << ": base_regs " << c.selftest_base << ", listed unconditionally "
                << c.extracted_always << (c.equal() ? " -- equal" : " -- MISMATCH") << "\n";
      for (auto id : c.only_extracted) std::cout << "  + " << JsonWriter::hex(id) << " listed always, not in base_regs\n";
      for (auto id : c.only_selftest) std::cout << "  - " << JsonWriter::hex(id) << " in base_regs, not listed always\n";
      if (!c.selftest_conditional.empty())
        std::cout << "  (" << c.selftest_conditional.size() << " base_regs entries are feature-conditional in both)\n";
    }
    return c.equal();
  }

 private:
  const k::KernelTree &tree_;
  k::Arm64Extraction extraction_;
};

// --- x86_64 ---------------------------------------------------------------------
class X86Job {
 public:
  explicit X86Job(const k::KernelTree &tree) : tree_(tree) {}

  Extracted run() {
    auto x = k::extractX86Msrs(tree_);
    if (!x) throw CommandError(kExitBadInput, x.error());
    extraction_ = std::move(x).value();
    Extracted out;
    out.sets = k::x86RegisterSets(extraction_);
    out.parses = extraction_.parses;
    for (const std::string &u : extraction_.unknown) out.warnings.push_back("unknown predicate: " + u);
    warnParses(out.parses, out.warnings);
    return out;
  }

  // Every candidate with its condition.
  void printMsrs(OutputFormat format, JsonWriter &json) const {
    if (format == OutputFormat::Json) {
      json.key("msrs").beginArray();
      for (const auto *list : {&extraction_.index_list, &extraction_.feature_list})
        for (const k::X86Msr &m : *list)
          json.beginObject().field("msr", JsonWriter::hex(m.index)).field("name", m.name).field("list", m.list)
              .field("origin", m.origin).field("source", m.where).field("condition", m.condition.toString())
              .endObject();
      json.endArray();
      return;
    }
    std::map<std::string, std::vector<std::string>> by_condition;
    for (const auto *list : {&extraction_.index_list, &extraction_.feature_list})
      for (const k::X86Msr &m : *list)
        by_condition[m.list + ": " + m.condition.toString()].push_back(m.name.empty() ? JsonWriter::hex(m.index) : m.name);
    std::cout << "conditions (" << extraction_.init_function << "()):\n";
    for (const auto &[cond, names] : by_condition) {
      std::cout << "  " << cond << "\n     ";
      for (const auto &n : names) std::cout << " " << n;
      std::cout << "\n";
    }
  }

  // The source lists against this host's live KVM lists.
  void compareLive(OutputFormat format, JsonWriter &json) const {
    auto live = probe::probeKvmX86();
    if (!live) throw CommandError(kExitBadInput, "--compare-live: KVM probe failed: " + live.error());
    std::set<std::uint32_t> index, features;
    for (const auto &m : live->msrs) {
      if (m.in_index_list) index.insert(m.index);
      if (m.feature) features.insert(m.index);
    }
    const std::set<std::string> present(live->host.features.begin(), live->host.features.end());
    const auto covered_list = probe::probedFeatures();
    const std::set<std::string> covered(covered_list.begin(), covered_list.end());
    auto host = [&](const std::string &atom) { return k::hostFeatureAtom(atom, present, covered); };
    const auto comparisons = k::compareWithLive(extraction_, index, features, host);
    auto holds = [](const std::optional<bool> &v) { return v ? (*v ? "true" : "false") : "unknown"; };
    if (format == OutputFormat::Json) {
      json.key("live").beginObject().field("kernel", live->host.kernel_release)
          .field("host", probe::describeHost(live->host));
      json.key("lists").beginArray();
      for (const auto &c : comparisons) {
        json.beginObject().field("list", c.list).field("source_candidates", c.source_candidates)
            .field("live", c.live).field("common", c.common);
        json.key("only_source").beginArray();
        for (const auto &d : c.only_source)
          json.beginObject().field("msr", JsonWriter::hex(d.index)).field("name", d.name)
              .field("condition", d.condition).field("holds_on_host", holds(d.holds_on_host)).endObject();
        json.endArray().key("only_live").beginArray();
        for (const auto &d : c.only_live) json.value(JsonWriter::hex(d.index));
        json.endArray().endObject();
      }
      json.endArray().endObject();
      return;
    }
    std::cout << "live lists of this host (kernel " << live->host.kernel_release << "):\n";
    for (const auto &c : comparisons) {
      std::cout << "  " << c.list << ": source " << c.source_candidates << " candidates, live " << c.live << ", common "
                << c.common << "\n";
      for (const auto &d : c.only_source)
        std::cout << "    only in source: " << JsonWriter::hex(d.index) << " " << d.name << "  [" << d.condition
                  << "; on this host: " << holds(d.holds_on_host) << "]\n";
      for (const auto &d : c.only_live)
        std::cout << "    only live:      " << JsonWriter::hex(d.index) << "\n";
    }
  }

 private:
  const k::KernelTree &tree_;
  k::X86MsrExtraction extraction_;
};

void runExtractLinux(const LinuxOptions &opt, int &exitCode) {
  if (!opt.release.empty())
    if (auto bad = db::checkVersion(opt.release)) throw CommandError(kExitUsage, "--release: " + *bad);
  if (opt.check_selftest && opt.arch != "arm64")
    throw CommandError(kExitUsage, "--check-selftest compares with the arm64 get-reg-list selftest: needs --arch arm64");
  if (opt.compare_live && opt.arch != "x86_64")
    throw CommandError(kExitUsage, "--compare-live probes this host's x86 KVM: needs --arch x86_64");
  auto tree = k::openKernelTree(opt.source, opt.release);
  if (!tree) throw CommandError(kExitBadInput, tree.error());

  Arm64Job arm64(*tree);
  X86Job x86(*tree);
  Extracted x = opt.arch == "arm64" ? arm64.run() : x86.run();

  std::optional<probe::StoreReport> report;
  std::string dir = opt.db;
  if (dir.empty())
    if (const char *env = std::getenv("REGCOMPAT_DB"); env != nullptr && *env != '\0') dir = env;
  if (!dir.empty()) {
    probe::StoreRequest request;
    request.release = db::Release{"linux", tree->release, std::nullopt, std::nullopt, ""};
    request.sets = x.sets;
    request.replace = db::SetKey{"linux", tree->release, opt.arch, "kvm", ""};
    auto stored = probe::storeInDatabase(dir, std::move(request));
    if (!stored) throw CommandError(kExitBadInput, stored.error());
    report = stored.value();
    for (const auto &c : report->name_conflicts) x.warnings.push_back("catalogue name conflict: " + c);
  }
  for (const auto &w : x.warnings) std::cerr << "regcompat: warning: " << w << "\n";

  JsonWriter json;
  if (opt.format == OutputFormat::Json) {
    json.beginObject().field("source", opt.source).field("release", "linux/" + tree->release).field("arch", opt.arch);
    json.key("sets").beginArray();
    for (const auto &s : x.sets)
      json.beginObject().field("set", s.key.toString()).field("registers", s.registers.size())
          .field("description", s.description).endObject();
    json.endArray();
    json.key("parse_errors").beginObject();
    for (const auto &p : x.parses) json.field(p.file, p.errors);
    json.endObject();
    json.key("warnings").beginArray();
    for (const auto &w : x.warnings) json.value(w);
    json.endArray();
    json.key("database");
    if (report) {
      json.beginObject().field("dir", dir).field("created", report->database_created)
          .field("release_added", report->release_added).field("catalogue_added", report->catalogue_added);
      json.key("sets_removed").beginArray();
      for (const auto &k2 : report->sets_removed) json.value(k2);
      json.endArray().key("name_conflicts").beginArray();
      for (const auto &c : report->name_conflicts) json.value(c);
      json.endArray().endObject();
    } else {
      json.null();
    }
    if (opt.arch == "x86_64") x86.printMsrs(opt.format, json);
  } else {
    std::cout << "linux " << tree->release << " (" << opt.arch << ") from " << opt.source << "\n";
    for (const auto &s : x.sets) std::cout << "  " << s.key.toString() << "  " << s.registers.size() << " registers\n";
    if (opt.arch == "x86_64") x86.printMsrs(opt.format, json);
    if (report) {
      std::cout << (report->database_created ? "created " : "updated ") << dir << ": release linux/" << tree->release
                << (report->release_added ? " (new)" : " (kept)") << ", " << report->sets_written.size()
                << " sets written, " << report->catalogue_added << " catalogue entries added, "
                << report->name_conflicts.size() << " name conflicts\n";
      for (const auto &k2 : report->sets_removed) std::cout << "  removed " << k2 << "\n";
    } else {
      std::cout << "(no --db: nothing stored)\n";
    }
  }
  exitCode = kExitOk;
  if (opt.check_selftest && !arm64.checkSelftest(opt.format, json)) exitCode = kExitNo;
  if (opt.compare_live) x86.compareLive(opt.format, json);
  if (opt.format == OutputFormat::Json) {
    json.endObject();
    std::cout << json.take();
  }
}
#endif

}  // namespace

void addExtractLinuxSubcommand(CLI::App &extract, int &exitCode) {
  auto opt = std::make_shared<LinuxOptions>();
  CLI::App *cmd = extract.add_subcommand(
      "linux", "A Linux tree's KVM register lists (read with Clang): arm64 KVM_GET_REG_LIST per VM-feature "
               "profile, x86_64 KVM MSR index/feature lists -> sets linux/VERSION/ARCH/kvm/PROFILE");
  cmd->add_option("--source", opt->source, "Linux source tree (release/fetch-sources linux VERSION)")
      ->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--release", opt->release, "Upstream version of the tree, e.g. 6.12.107 (default: the "
                                             "top Makefile's)");
  cmd->add_option("--arch", opt->arch, "arm64 or x86_64")->required()->check(CLI::IsMember({"arm64", "x86_64"}));
  cmd->add_option("--db", opt->db, "Database directory (created when missing; default $REGCOMPAT_DB; "
                                   "without either nothing is stored)");
  cmd->add_flag("--check-selftest", opt->check_selftest,
                "arm64: compare the unconditional list with the kernel selftest's base_regs "
                "(get-reg-list.c); exit 1 on a mismatch");
  cmd->add_flag("--compare-live", opt->compare_live,
                "x86_64: compare the lists with this host's KVM_GET_MSR_INDEX_LIST / FEATURE_INDEX_LIST "
                "and give the source condition of every MSR the host does not list");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt, &exitCode] {
#ifdef REGCOMPAT_HAVE_EXTRACT_LINUX
    runExtractLinux(*opt, exitCode);
#else
    (void)exitCode;
    throw CommandError(kExitInternal, "this regcompat was built without LLVM/Clang 14 libTooling: "
                                      "extract linux is not available");
#endif
  });
}

}  // namespace regcompat::cli
