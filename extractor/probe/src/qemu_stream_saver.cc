#include "regcompat/probe/qemu_stream_saver.h"

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <system_error>
#include <thread>
#include <vector>

#include "regcompat/probe/child_process.h"

namespace regcompat::probe {

namespace fs = std::filesystem;

namespace {

std::string tailOf(const fs::path &log) {
  std::string text;
  if (std::ifstream in(log); in) text.assign(std::istreambuf_iterator<char>(in), {});
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  return text;
}

// Removes the private directory however the save ends.
struct PrivateDir {
  fs::path path;
  ~PrivateDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

} // namespace

Result<std::string> saveQemuStream(const QemuStreamRequest &request, const fs::path &out) {
  std::string tmpl = (fs::temp_directory_path() / "regcompat-qemu-stream-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return fail("cannot create a temporary directory in " + fs::temp_directory_path().string());
  const PrivateDir dir{tmpl};
  const fs::path part = dir.path / "stream.part", done = dir.path / "stream", log = dir.path / "qemu.log",
                 monitor = dir.path / "monitor";
  {
    // The directory is ours (mkdtemp: 0700, a name of safe characters), so
    // the shell QEMU runs sees no caller-supplied text.
    std::ofstream m(monitor);
    m << "migrate \"exec:cat > " << part.string() << " && mv " << part.string() << " " << done.string()
      << "\"\ninfo migrate\nquit\n";
    if (!m) return fail("cannot write " + monitor.string());
  }
  const std::vector<std::string> argv{request.qemu, "-M", request.machine, "-cpu", request.cpu, "-m", request.memory,
                                      "-S", "-nographic", "-nodefaults", "-monitor", "stdio"};
  std::string args;
  for (std::size_t i = 1; i < argv.size(); ++i) args += " " + argv[i];
  auto started = ChildProcess::start(argv, log, log, monitor);
  if (!started) return fail(request.qemu + ": " + started.error());
  ChildProcess qemu = std::move(started).value();
  const auto status = qemu.wait(request.timeout_seconds);
  if (!status) {
    qemu.kill();
    return fail(request.qemu + args + ": no stream within " + std::to_string(request.timeout_seconds) +
                " s; QEMU said:\n" + tailOf(log));
  }
  // `mv` runs after QEMU saw the migration complete, in the shell it left
  // behind: give it a moment.
  for (int i = 0; i < 200 && !fs::exists(done); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!fs::exists(done))
    return fail(request.qemu + args + ": no stream written (exit status " + std::to_string(*status) +
                "); QEMU said:\n" + tailOf(log));
  std::error_code ec;
  fs::rename(done, out, ec);
  if (ec) {  // another file system: copy, then replace in one step
    const fs::path staged = out.string() + ".part";
    fs::copy_file(done, staged, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(staged, out, ec);
    if (ec) {
      fs::remove(staged, ec);
      return fail("cannot write " + out.string() + ": " + ec.message());
    }
  }
  return args;
}

} // namespace regcompat::probe
