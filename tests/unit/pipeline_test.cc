// The release pipeline's pieces: the pipeline file loader, the stage runner
// (incremental, ordered, stops at the first failure keeping earlier outputs),
// the database merge it uses, and the JSON reader of the control socket.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "regcompat/db/database_merge.h"
#include "regcompat/db/loader.h"
#include "regcompat/json.h"
#include "regcompat/pipeline/input_digest.h"
#include "regcompat/pipeline/pipeline_config.h"
#include "regcompat/pipeline/stage_plan.h"
#include "regcompat/pipeline/stage_runner.h"

namespace fs = std::filesystem;
using namespace regcompat;
using namespace regcompat::pipeline;

namespace {

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("regcompat-pipeline-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path &path() const { return path_; }

 private:
  static inline std::atomic<int> counter_{0};
  fs::path path_;
};

void write(const fs::path &p, const std::string &text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}
std::string read(const fs::path &p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Stage shellStage(std::string id, std::string script, std::vector<fs::path> inputs = {},
                 std::vector<std::string> after = {}) {
  Stage s;
  s.id = id;
  s.title = id;
  s.argv = {"/bin/sh", "-c", std::move(script)};
  s.inputs = std::move(inputs);
  s.after = std::move(after);
  return s;
}

const std::string kMinimal = R"(schema_version: 1
name: test
database: db
policies: [p.yaml]
)";

} // namespace

TEST(PipelineConfig, ResolvesPathsAgainstTheFileAndReadsEverySection) {
  auto c = loadPipelineConfigFromString(kMinimal + R"(sources:
  qemu: [{version: "10.2.2"}]
  linux: [{version: "7.1.8", arch: [arm64, x86_64]}]
probe: {kvm: true}
vm_migrations:
  - {name: a, arch: aarch64, accel: tcg, machine: virt-10.0, cpu: max, guest: g,
     source: {release: "10.0.13", kernel: "6.12.107"}, destination: {release: "10.2.2", kernel: "6.12.107"}}
)", "/srv/rel/pipeline.yaml");
  ASSERT_TRUE(c) << c.errorText();
  EXPECT_EQ(c->database, fs::path("/srv/rel/db"));
  EXPECT_EQ(c->policies.at(0), fs::path("/srv/rel/p.yaml"));
  ASSERT_EQ(c->sources.size(), 2u);
  EXPECT_EQ(c->sources[1].arches, (std::vector<std::string>{"arm64", "x86_64"}));
  EXPECT_TRUE(c->probe_kvm);
  ASSERT_EQ(c->vm_migrations.size(), 1u);
  EXPECT_EQ(c->vm_migrations[0].destination.release, "10.2.2");
}

TEST(PipelineConfig, ReportsEveryProblemWithItsLineAndColumn) {
  auto c = loadPipelineConfigFromString(R"(schema_version: 2
name: "bad name"
database: db
policies: []
colour: blue
sources:
  linux: [{version: "7.x"}]
vm_migrations:
  - {name: a, arch: x86_64, accel: tcg, machine: m, cpu: c, guest: g,
     source: {release: "1", kernel: "2"}, destination: {release: "1"}}
)", "p.yaml");
  ASSERT_FALSE(c);
  const std::string text = c.errorText();
  EXPECT_NE(text.find("p.yaml:1:17: schema_version 2 is not supported"), std::string::npos) << text;
  EXPECT_NE(text.find("p.yaml:2:"), std::string::npos) << text;
  EXPECT_NE(text.find("p.yaml:4:11: policies: at least one policy"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown key 'colour'"), std::string::npos) << text;
  EXPECT_NE(text.find("'7.x' is not a release version"), std::string::npos) << text;
  EXPECT_NE(text.find("needs 'arch'"), std::string::npos) << text;
  EXPECT_NE(text.find("x86_64 guests under kvm only"), std::string::npos) << text;
  EXPECT_NE(text.find("kernel"), std::string::npos) << text;
}

TEST(PipelineConfig, GarbageIsAnErrorNotACrash) {
  for (const std::string &text : std::vector<std::string>{"", "[", "{a: [}", "name: *x", "- 1\n- 2\n", std::string(200, '[')}) {
    auto c = loadPipelineConfigFromString(text, "g.yaml");
    EXPECT_FALSE(c) << text;
  }
}

TEST(PipelinePlan, OrdersStagesFromDatabaseToReport) {
  auto c = loadPipelineConfigFromString(kMinimal, "/r/pipeline.yaml");
  ASSERT_TRUE(c);
  PlanOptions o;
  o.out_dir = "/out";
  o.regcompat = "/bin/regcompat";
  const Plan plan = planPipeline(c.value(), o);
  std::vector<std::string> ids;
  for (const auto &s : plan.stages) ids.push_back(s.id);
  // An arm64 policy (the architecture of a policy that cannot be read) also
  // gets real QEMU's verdict, which reports without gating.
  EXPECT_EQ(ids, (std::vector<std::string>{"database", "generate:p", "gate:p", "qemu-verdict:p", "report:p"}));
  EXPECT_EQ(plan.stages[2].stdout_file, fs::path("/out/gate/p.json"));
  EXPECT_EQ(plan.stages[3].stdout_file, fs::path("/out/gate/p.qemu.json"));
  EXPECT_EQ(plan.stages[3].ok_exit_codes, (std::vector<int>{4, 12}));
}

TEST(StageRunner, SkipsUnchangedStagesAndRerunsWhenAnInputChanges) {
  TempDir t;
  const fs::path in = t.path() / "in.txt", mid = t.path() / "mid.txt", out = t.path() / "out.txt";
  write(in, "one");
  std::vector<Stage> stages = {
      shellStage("first", "cat " + in.string() + " > " + mid.string() + "; echo x >> " + (t.path() / "runs").string(), {in}),
      shellStage("second", "tr a-z A-Z < " + mid.string() + " > " + out.string(), {mid}, {"first"}),
  };
  stages[0].outputs = {mid};
  stages[1].outputs = {out};
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  auto run1 = runStages(stages, o);
  ASSERT_TRUE(run1.ok) << run1.failure;
  EXPECT_EQ(read(out), "ONE");
  auto run2 = runStages(stages, o);
  ASSERT_TRUE(run2.ok);
  EXPECT_EQ(run2.stages[0].status, StageStatus::Skipped);
  EXPECT_EQ(run2.stages[1].status, StageStatus::Skipped);
  write(in, "two");
  auto run3 = runStages(stages, o);
  EXPECT_EQ(run3.stages[0].status, StageStatus::Ran);
  EXPECT_EQ(run3.stages[1].status, StageStatus::Ran);
  EXPECT_EQ(read(out), "TWO");
  EXPECT_EQ(read(t.path() / "runs"), "x\nx\n");
  fs::remove(out);  // a missing output makes its stage run again
  auto run4 = runStages(stages, o);
  EXPECT_EQ(run4.stages[0].status, StageStatus::Skipped);
  EXPECT_EQ(run4.stages[1].status, StageStatus::Ran);
}

TEST(StageRunner, AnOutputChangedSinceTheRunMakesItsStageRunAgain) {
  TempDir t;
  const fs::path out = t.path() / "header.h";
  std::vector<Stage> stages = {shellStage("gen", "printf 'complete header\\n' > " + out.string())};
  stages[0].outputs = {out};
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  ASSERT_TRUE(runStages(stages, o).ok);
  EXPECT_EQ(runStages(stages, o).stages[0].status, StageStatus::Skipped);
  write(out, "complete he");  // truncated by hand
  auto again = runStages(stages, o);
  EXPECT_EQ(again.stages[0].status, StageStatus::Ran);
  EXPECT_EQ(read(out), "complete header\n");
}

TEST(StageRunner, OneRunPerOutputDirectory) {
  TempDir t;
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  fs::create_directories(o.state_dir);
  // Another run holds the lock (here: this process, through another open).
  const int held = ::open((o.state_dir / "lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  auto refused = runStages({shellStage("a", "true")}, o);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.failure.find("is in use by another pipeline run"), std::string::npos) << refused.failure;
  ::close(held);
  EXPECT_TRUE(runStages({shellStage("a", "true")}, o).ok);
}

TEST(StageRunner, StagesDieWithThePipelineEvenOnSigkill) {
  TempDir t;
  const fs::path pidfile = t.path() / "stage.pid";
  const pid_t pipeline = ::fork();
  ASSERT_GE(pipeline, 0);
  if (pipeline == 0) {
    RunnerOptions o;
    o.state_dir = t.path() / ".state";
    runStages({shellStage("vm", "echo $$ > " + pidfile.string() + ".part; mv " + pidfile.string() +
                                    ".part " + pidfile.string() + "; exec sleep 60")},
              o);
    ::_exit(0);
  }
  for (int i = 0; i < 500 && !fs::exists(pidfile); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(fs::exists(pidfile));
  const pid_t stage = std::stoi(read(pidfile));
  ::kill(pipeline, SIGKILL);
  int status = 0;
  ::waitpid(pipeline, &status, 0);
  // The stage's process must be gone (or a zombie waiting for init) soon.
  auto alive = [&] {
    std::ifstream stat("/proc/" + std::to_string(stage) + "/stat");
    std::string text;
    std::getline(stat, text);
    const auto paren = text.rfind(')');
    return !text.empty() && paren != std::string::npos && text.size() > paren + 2 && text[paren + 2] != 'Z';
  };
  for (int i = 0; i < 300 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive()) << "stage process " << stage << " outlived the killed pipeline";
  if (alive()) ::kill(stage, SIGKILL);
}

TEST(StageRunner, StopsAtTheFirstFailureNamingTheStageAndKeepsEarlierOutputs) {
  TempDir t;
  const fs::path good = t.path() / "good.txt", in = t.path() / "policy.yaml";
  write(in, "x");
  std::vector<Stage> stages = {
      shellStage("good", "echo ok > " + good.string()),
      shellStage("bad", "echo 'line one'; echo 'it broke' >&2; exit 3", {in}, {"good"}),
      shellStage("later", "touch " + (t.path() / "later").string(), {}, {"bad"}),
  };
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  auto run = runStages(stages, o);
  EXPECT_FALSE(run.ok);
  EXPECT_EQ(run.stages[0].status, StageStatus::Ran);
  EXPECT_EQ(run.stages[1].status, StageStatus::Failed);
  EXPECT_EQ(run.stages[2].status, StageStatus::NotRun);
  EXPECT_NE(run.failure.find("stage bad"), std::string::npos) << run.failure;
  EXPECT_NE(run.failure.find("exit code 3"), std::string::npos);
  EXPECT_NE(run.failure.find("input: " + in.string()), std::string::npos);
  EXPECT_NE(run.failure.find("it broke"), std::string::npos);
  EXPECT_TRUE(fs::exists(good));
  EXPECT_FALSE(fs::exists(t.path() / "later"));
  // The next run resumes at the failed stage.
  auto again = runStages(stages, o);
  EXPECT_EQ(again.stages[0].status, StageStatus::Skipped);
  EXPECT_EQ(again.stages[1].status, StageStatus::Failed);
}

TEST(StageRunner, StdoutFileAppearsOnlyAfterSuccess) {
  TempDir t;
  const fs::path json = t.path() / "gate" / "v.json";
  std::vector<Stage> stages = {shellStage("gate", "echo '{}'; exit 1")};
  stages[0].stdout_file = json;
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  EXPECT_FALSE(runStages(stages, o).ok);
  EXPECT_FALSE(fs::exists(json));
  EXPECT_FALSE(fs::exists(json.string() + ".partial"));
  stages[0].ok_exit_codes = {1};
  EXPECT_TRUE(runStages(stages, o).ok);
  EXPECT_EQ(read(json), "{}\n");
}

TEST(StageRunner, RunsIndependentStagesSideBySide) {
  TempDir t;
  // Each waits for the other's file: they finish only if both run at once.
  const std::string a = (t.path() / "a").string(), b = (t.path() / "b").string();
  std::vector<Stage> stages = {
      shellStage("a", "touch " + a + "; for i in $(seq 100); do [ -e " + b + " ] && exit 0; sleep 0.05; done; exit 1"),
      shellStage("b", "touch " + b + "; for i in $(seq 100); do [ -e " + a + " ] && exit 0; sleep 0.05; done; exit 1"),
  };
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  o.jobs = 2;
  auto run = runStages(stages, o);
  EXPECT_TRUE(run.ok) << run.failure;
}

TEST(StageRunner, RefusesABadPlanBeforeRunningAnything) {
  TempDir t;
  RunnerOptions o;
  o.state_dir = t.path() / ".state";
  auto cycle = runStages({shellStage("a", "true", {}, {"b"}), shellStage("b", "true", {}, {"a"})}, o);
  EXPECT_FALSE(cycle.ok);
  EXPECT_NE(cycle.failure.find("cycle"), std::string::npos);
  auto unknown = runStages({shellStage("a", "true", {}, {"nope"})}, o);
  EXPECT_NE(unknown.failure.find("unknown stage 'nope'"), std::string::npos);
}

TEST(InputDigest, DirectoriesByRelativePathAndContentIgnoringHiddenFiles) {
  TempDir t;
  write(t.path() / "d/x.yaml", "1");
  InputDigest d1;
  d1.addPath(t.path() / "d");
  write(t.path() / "d/.tmp-save", "junk");
  InputDigest d2;
  d2.addPath(t.path() / "d");
  EXPECT_EQ(d1.hex(), d2.hex());
  write(t.path() / "d/x.yaml", "2");
  InputDigest d3;
  d3.addPath(t.path() / "d");
  EXPECT_NE(d1.hex(), d3.hex());
  InputDigest missing, empty;
  missing.addPath(t.path() / "none");
  write(t.path() / "empty", "");
  empty.addPath(t.path() / "empty");
  EXPECT_NE(missing.hex(), empty.hex());
}

TEST(DatabaseMerge, AnOverlayReleaseReplacesTheBaseReleaseWithAllItsSets) {
  auto base = db::loadDatabase(REGCOMPAT_DB_SAMPLE_DIR);
  ASSERT_TRUE(base) << base.errorText();
  db::Database merged = base.value();
  db::Database overlay = base.value();
  // The overlay knows one release only, with one set of one register.
  const db::Release release = overlay.releases.front();
  std::erase_if(overlay.releases, [&](const db::Release &r) { return !(r == release); });
  std::erase_if(overlay.sets, [&](const db::RegisterSet &s) {
    return s.key.component != release.component || s.key.release != release.version;
  });
  ASSERT_FALSE(overlay.sets.empty());
  overlay.sets.resize(1);
  overlay.sets[0].registers.resize(1);
  const auto notes = db::mergeInto(merged, overlay);
  EXPECT_EQ(notes.replaced_releases, (std::vector<std::string>{release.component + "/" + release.version}));
  std::size_t sets_of_release = 0;
  for (const auto &s : merged.sets)
    if (s.key.component == release.component && s.key.release == release.version) {
      ++sets_of_release;
      EXPECT_EQ(s.registers.size(), 1u);
    }
  EXPECT_EQ(sets_of_release, 1u);
  EXPECT_EQ(merged.releases.size(), base->releases.size());
}

TEST(JsonValue, ParsesWhatTheControlSocketSends) {
  auto v = json::parse(R"({"return": {"status": "completed", "total-time": 123, "ram": {"transferred": 4096}},
                          "list": [1, -2.5e3, true, null, "a\u00e9\ud83d\ude00\n"]})");
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->find("return")->find("status")->asString(), "completed");
  EXPECT_EQ(v->find("return")->find("total-time")->asInt(), 123);
  const auto &list = v->find("list")->asArray();
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[1].asDouble(), -2500.0);
  EXPECT_EQ(list[4].asString(), "a\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST(JsonValue, ErrorsNameTheColumn) {
  auto bad = json::parse(R"({"a" 1})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("column 6"), std::string::npos) << bad.error();
  for (const std::string &text : std::vector<std::string>{"", "{", "[1,]", "\"\\x\"", "01", "1.", "tru", "{} x",
                           std::string(100, '[') + std::string(100, ']')}) {
    EXPECT_FALSE(json::parse(text)) << text;
  }
}

TEST(PipelineConfig, QemuPeersAndTheirStages) {
  auto c = loadPipelineConfigFromString(kMinimal + R"(qemu_peers:
  - {suite: trixie, release: "10.0.13"}
  - {suite: sid, release: "11.1.3"}
)", "/srv/rel/pipeline.yaml");
  ASSERT_TRUE(c) << c.errorText();
  ASSERT_EQ(c->qemu_peers.size(), 2u);
  EXPECT_EQ(c->qemu_peers[1].suite, "sid");
  EXPECT_EQ(c->qemu_peers[1].release, "11.1.3");
  PlanOptions o;
  o.out_dir = "/out";
  o.regcompat = "/bin/regcompat";
  o.qemu_peers = "/src/release/qemu-peers";
  o.real_qemu_matrix = "/src/release/real-qemu-matrix";
  // Offline by default: the stages need Debian's archive.
  auto offline = planPipeline(c.value(), o);
  EXPECT_TRUE(std::none_of(offline.stages.begin(), offline.stages.end(),
                           [](const Stage &s) { return s.id == "qemu-peers"; }));
  o.refresh = true;
  auto plan = planPipeline(c.value(), o);
  auto find = [&](const std::string &id) {
    return std::find_if(plan.stages.begin(), plan.stages.end(), [&](const Stage &s) { return s.id == id; });
  };
  ASSERT_NE(find("qemu-peers"), plan.stages.end());
  EXPECT_EQ(find("qemu-peers")->argv,
            (std::vector<std::string>{"/src/release/qemu-peers", "trixie=10.0.13", "sid=11.1.3"}));
  ASSERT_NE(find("real-qemu-matrix"), plan.stages.end());
  EXPECT_EQ(find("real-qemu-matrix")->after, (std::vector<std::string>{"qemu-peers", "database"}));
  // The gate's verdict on the (arm64) policy is held against the same loads.
  const auto &argv = find("real-qemu-matrix")->argv;
  auto gate = std::find(argv.begin(), argv.end(), "--gate-policy");
  ASSERT_NE(gate, argv.end());
  EXPECT_EQ(*(gate + 1), c->policies.at(0).string());
  auto bad = loadPipelineConfigFromString(kMinimal + R"(qemu_peers:
  - {suite: sid, release: "11.x"}
  - {suite: sid, release: "11.1.3", mirror: x}
)", "p.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.errorText().find("listed twice"), std::string::npos) << bad.errorText();
  EXPECT_NE(bad.errorText().find("mirror"), std::string::npos) << bad.errorText();
}

TEST(PipelinePlan, AKvmGuestNeedsThisHostsKvm) {
  auto c = loadPipelineConfigFromString(kMinimal + R"(vm_migrations:
  - {name: k, arch: x86_64, accel: kvm, machine: pc-10.2, cpu: msrs, guest: g,
     source: {release: "1", kernel: "2"}, destination: {release: "1", kernel: "3"}}
)", "/srv/rel/pipeline.yaml");
  ASSERT_TRUE(c) << c.errorText();
  PlanOptions o;
  o.out_dir = "/out";
  o.regcompat = "/bin/regcompat";
  o.regvm = "/bin/regvm";
  const Plan plan = planPipeline(c.value(), o);
  const bool staged = std::any_of(plan.stages.begin(), plan.stages.end(), [](const Stage &s) { return s.id == "vm:k"; });
  const bool noted = std::any_of(plan.notes.begin(), plan.notes.end(), [](const std::string &n) {
    return n == "vm:k left out: /dev/kvm cannot be opened on this host";
  });
  EXPECT_EQ(staged, access("/dev/kvm", R_OK | W_OK) == 0);
  EXPECT_NE(staged, noted);
}
