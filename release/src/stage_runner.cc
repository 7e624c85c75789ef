#include "regcompat/pipeline/stage_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "regcompat/db/atomic_file.h"
#include "regcompat/db/file_text.h"
#include "regcompat/pipeline/input_digest.h"
#include "regcompat/pipeline/subprocess.h"

namespace regcompat::pipeline {
namespace fs = std::filesystem;

std::string_view toString(StageStatus status) {
  switch (status) {
    case StageStatus::Ran: return "ran";
    case StageStatus::Skipped: return "skipped";
    case StageStatus::Failed: return "failed";
    case StageStatus::NotRun: return "not-run";
  }
  return "not-run";
}

std::string_view describe(StageStatus status) {
  switch (status) {
    case StageStatus::Ran: return "ran";
    case StageStatus::Skipped: return "skipped (unchanged)";
    case StageStatus::Failed: return "FAILED";
    case StageStatus::NotRun: return "not run";
  }
  return "not run";
}

namespace {

// "generate:real-distro" -> "generate_real-distro": a file name.
std::string fileNameFor(const std::string &id) {
  std::string out = id;
  for (char &c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '_';
  return out;
}

// Stamps and logs; a missing one reads as empty.
std::string readSmallFile(const fs::path &path) { return db::readWholeFile(path).value_or(""); }

std::string planError(const std::vector<Stage> &stages) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (!index.emplace(stages[i].id, i).second) return "stage id '" + stages[i].id + "' is used twice";
  for (const auto &s : stages)
    for (const auto &a : s.after)
      if (!index.count(a)) return "stage '" + s.id + "' runs after unknown stage '" + a + "'";
  // Kahn's algorithm: a cycle leaves stages with unmet predecessors.
  std::vector<std::size_t> pending(stages.size());
  for (std::size_t i = 0; i < stages.size(); ++i) pending[i] = stages[i].after.size();
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  std::size_t done = 0;
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    ++done;
    for (std::size_t j = 0; j < stages.size(); ++j)
      for (const auto &a : stages[j].after)
        if (a == stages[i].id && --pending[j] == 0) ready.push_back(j);
  }
  if (done != stages.size()) return "the stages' 'after' edges form a cycle";
  return {};
}

class Runner {
 public:
  Runner(const std::vector<Stage> &stages, const RunnerOptions &options)
      : stages_(stages), options_(options), results_(stages.size()) {
    for (std::size_t i = 0; i < stages.size(); ++i) {
      results_[i].id = stages[i].id;
      results_[i].title = stages[i].title;
      results_[i].log = options.state_dir / "logs" / (fileNameFor(stages[i].id) + ".log");
    }
  }

  RunSummary run() {
    std::unique_lock lock(mutex_);
    std::vector<std::thread> threads;
    while (true) {
      launchReady(lock, threads);
      if (running_ == 0) break;
      changed_.wait(lock);
    }
    lock.unlock();
    for (auto &t : threads) t.join();
    RunSummary summary;
    summary.stages = results_;
    summary.ok = failure_.empty();
    summary.failure = failure_;
    return summary;
  }

 private:
  bool finished(std::size_t i) const {
    return results_[i].status == StageStatus::Ran || results_[i].status == StageStatus::Skipped;
  }
  bool ready(std::size_t i) const {
    if (started_.count(i)) return false;
    for (const auto &a : stages_[i].after) {
      auto it = std::find_if(stages_.begin(), stages_.end(), [&](const Stage &s) { return s.id == a; });
      if (!finished(static_cast<std::size_t>(it - stages_.begin()))) return false;
    }
    return true;
  }

  void launchReady(std::unique_lock<std::mutex> &, std::vector<std::thread> &threads) {
    if (!failure_.empty()) return;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      if (!ready(i)) continue;
      if (running_ >= std::max(1u, options_.jobs) || exclusive_running_) return;
      if (stages_[i].exclusive && running_ > 0) return;
      started_.insert(i);
      ++running_;
      exclusive_running_ = stages_[i].exclusive;
      threads.emplace_back([this, i] { runOne(i); });
    }
  }

  void report(const std::string &line) {
    if (options_.progress) options_.progress(line);
  }

  void runOne(std::size_t i) {
    const Stage &stage = stages_[i];
    StageResult result = results_[i];
    const auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      report("[" + std::to_string(++counter_) + "/" + std::to_string(stages_.size()) + "] " +
             stage.title + " ...");
    }
    std::string digest, error;
    try {
      result.inputs = inputDigests(stage);
      digest = stampFor(stage, result.inputs);
      result.input_digest = digest;
    } catch (const std::exception &e) {
      error = std::string("cannot read its inputs: ") + e.what();
    }
    const fs::path stamp = options_.state_dir / "stamps" / fileNameFor(stage.id);
    // The stamp holds the inputs' digest and the outputs' as the stage left
    // them: an output changed or truncated since (by hand, by a crash) makes
    // the stage run again instead of passing a corrupt file on.
    const std::string stored = readSmallFile(stamp);
    bool skip = error.empty() && !options_.force && stored.rfind(digest + "\n", 0) == 0;
    for (const auto &out : stage.outputs) skip = skip && fs::exists(out);
    for (const auto &out : stage.output_dirs) skip = skip && fs::is_directory(out);
    if (!stage.stdout_file.empty()) skip = skip && fs::exists(stage.stdout_file);
    if (skip) {
      try {
        skip = stored == digest + "\n" + outputsDigest(stage);
      } catch (const std::exception &) {
        skip = false;
      }
    }
    if (skip) {
      result.status = StageStatus::Skipped;
    } else if (error.empty()) {
      std::error_code ec;
      fs::remove(stamp, ec);  // a failed or interrupted run must not look done
      for (const auto &dir : stage.output_dirs) fs::create_directories(dir, ec);
      for (const auto &out : stage.outputs)
        if (out.has_parent_path()) fs::create_directories(out.parent_path(), ec);
      if (!stage.stdout_file.empty()) fs::create_directories(stage.stdout_file.parent_path(), ec);
      // Written beside its final name and renamed after success: a failed
      // stage leaves no half-written output for a later stage to read.
      const fs::path partial =
          stage.stdout_file.empty() ? fs::path() : fs::path(stage.stdout_file.string() + ".partial");
      // A stage that runs long reports every few seconds, with the last
      // line its log gained (the VM runs say which migration they are at).
      Heartbeat heartbeat;
      heartbeat.every_seconds = options_.heartbeat_seconds;
      if (options_.heartbeat_seconds > 0)
        heartbeat.tick = [&](double elapsed) {
          const std::string last = lastLogLine(result.log);
          char secs[32];
          std::snprintf(secs, sizeof secs, "%.0f s", elapsed);
          std::lock_guard lock(mutex_);
          report("      " + stage.title + ": running, " + secs + (last.empty() ? "" : ": " + last));
        };
      CommandOutcome outcome = runCommand(stage.argv, result.log, partial, &heartbeat);
      const bool ok = outcome.exited(0) ||
                      (outcome.started && outcome.signal == 0 &&
                       std::count(stage.ok_exit_codes.begin(), stage.ok_exit_codes.end(),
                                  outcome.exit_code) > 0);
      for (const auto &out : stage.outputs)
        if (ok && !fs::exists(out)) error = "it did not write " + out.string();
      if (!ok) error = outcome.describe();
      if (!partial.empty()) {
        if (ok) fs::rename(partial, stage.stdout_file, ec);
        else fs::remove(partial, ec);
        if (ok && ec) error = "cannot write " + stage.stdout_file.string() + ": " + ec.message();
      }
      if (error.empty()) {
        try {
          auto saved = db::writeFileAtomically(stamp, digest + "\n" + outputsDigest(stage));
          if (!saved) error = "cannot write its stamp: " + saved.error();
        } catch (const std::exception &e) {
          error = std::string("cannot read its outputs: ") + e.what();
        }
      }
      result.status = error.empty() ? StageStatus::Ran : StageStatus::Failed;
    }
    if (!error.empty()) {
      result.status = StageStatus::Failed;
      std::string inputs;
      for (const auto &in : stage.inputs) inputs += "\n  input: " + in.string();
      result.error = "stage " + stage.id + " (" + stage.title + ") failed: " + error + inputs +
                     "\n  command:";
      for (const auto &a : stage.argv) result.error += " " + a;
      result.error += "\n  log: " + result.log.string();
      const std::string tail = logTail(result.log);
      if (!tail.empty()) result.error += "\n  last lines of the log:\n" + tail;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(mutex_);
    results_[i] = result;
    if (result.status == StageStatus::Failed && failure_.empty()) failure_ = result.error;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", result.seconds);
    report("      " + stage.title + ": " + std::string(describe(result.status)) + " (" + secs + ")");
    --running_;
    exclusive_running_ = false;
    changed_.notify_all();
  }

  static std::vector<std::pair<fs::path, std::string>> inputDigests(const Stage &stage) {
    std::vector<std::pair<fs::path, std::string>> out;
    for (const auto &in : stage.inputs) {
      InputDigest d;
      d.addPath(in);
      out.emplace_back(in, d.hex());
    }
    return out;
  }

  std::string stampFor(const Stage &stage, const std::vector<std::pair<fs::path, std::string>> &inputs) const {
    InputDigest d;
    d.addText(options_.tool_version);
    for (const auto &a : stage.argv) d.addText(a);
    for (const auto &[path, digest] : inputs) {
      d.addText(path.string());
      d.addText(digest);
    }
    return d.hex();
  }

  static std::string outputsDigest(const Stage &stage) {
    InputDigest d;
    for (const auto &out : stage.outputs) d.addPath(out);
    for (const auto &out : stage.output_dirs) d.addPath(out);
    if (!stage.stdout_file.empty()) d.addPath(stage.stdout_file);
    return d.hex();
  }

  // The log's last non-empty line, at most 120 characters.
  static std::string lastLogLine(const fs::path &log) {
    std::ifstream in(log, std::ios::binary);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    if (last.size() > 120) last = last.substr(0, 117) + "...";
    return last;
  }

  static std::string logTail(const fs::path &log) {
    std::string text = readSmallFile(log);
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::string out;
    const std::size_t from = lines.size() > 8 ? lines.size() - 8 : 0;
    for (std::size_t k = from; k < lines.size(); ++k) out += "    " + lines[k] + "\n";
    if (!out.empty()) out.pop_back();
    return out;
  }

  const std::vector<Stage> &stages_;
  const RunnerOptions &options_;
  std::vector<StageResult> results_;
  std::set<std::size_t> started_;
  std::mutex mutex_;
  std::condition_variable changed_;
  unsigned running_ = 0;
  bool exclusive_running_ = false;
  unsigned counter_ = 0;
  std::string failure_;
};

} // namespace

RunSummary runStages(const std::vector<Stage> &stages, const RunnerOptions &options) {
  if (std::string err = planError(stages); !err.empty()) {
    RunSummary s;
    s.ok = false;
    s.failure = "invalid pipeline plan: " + err;
    return s;
  }
  std::error_code ec;
  fs::create_directories(options.state_dir / "stamps", ec);
  fs::create_directories(options.state_dir / "logs", ec);
  if (ec) {
    RunSummary s;
    s.ok = false;
    s.failure = "cannot create " + options.state_dir.string() + ": " + ec.message();
    return s;
  }
  // One run per output directory: a second one would overwrite the first's
  // outputs under it. The lock goes with the process, however it ends.
  const fs::path lock_path = options.state_dir / "lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    RunSummary s;
    s.ok = false;
    const std::string holder = lock >= 0 ? readSmallFile(lock_path) : "";
    s.failure = "the output directory " + options.state_dir.parent_path().string() +
                " is in use by another pipeline run" + (holder.empty() ? "" : " (pid " + holder + ")");
    if (lock >= 0) ::close(lock);
    return s;
  }
  const std::string pid = std::to_string(::getpid());
  // The pid is only for the message above: the lock holds without it.
  [[maybe_unused]] const bool noted =
      ::ftruncate(lock, 0) == 0 && ::write(lock, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
  RunSummary summary = Runner(stages, options).run();
  ::close(lock);
  return summary;
}

} // namespace regcompat::pipeline
