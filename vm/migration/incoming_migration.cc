#include "incoming_migration.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "migration_trace.h"
#include "ram_prefaulter.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/report.h"

namespace regvm {

using regcompat::fail;
using regcompat::runtime::Status;
using stream::Section;
using stream::SectionType;

IncomingMigration::IncomingMigration(Machine &machine, const regcompat::runtime::CompatTable &table,
                                     stream::StreamHeader expected, bool compat_table_used)
    : machine_(machine), table_(table), expected_(std::move(expected)),
      compat_table_used_(compat_table_used) {
  expected_.ram_base = machine_.memory().base();
  expected_.ram_size = machine_.memory().size();
  expected_.page_size = static_cast<std::uint32_t>(GuestMemory::kPageSize);
}

Status IncomingMigration::checkHeader(const Section &section) {
  StateReader in = section.reader();
  stream::StreamHeader h = stream::decodeHeader(in);
  if (!in.ok()) return fail(in.error());
  summary_.source = h;
  auto mismatch = [&](const std::string &what, const std::string &theirs, const std::string &ours) {
    return fail("the source's " + what + " is " + theirs + ", this side's is " + ours +
                " (header section at byte offset " + std::to_string(section.offset) + ")");
  };
  if (h.arch != expected_.arch) return mismatch("architecture", h.arch, expected_.arch);
  if (h.machine_type != expected_.machine_type)
    return mismatch("machine type", h.machine_type, expected_.machine_type);
  if (h.backend != expected_.backend) return mismatch("CPU back end", h.backend, expected_.backend);
  if (h.ram_base != expected_.ram_base || h.ram_size != expected_.ram_size)
    return mismatch("guest RAM", std::to_string(h.ram_size >> 20) + " MiB", std::to_string(expected_.ram_size >> 20) + " MiB");
  if (h.page_size != GuestMemory::kPageSize)
    return mismatch("page size", std::to_string(h.page_size), std::to_string(GuestMemory::kPageSize));
  return {};
}

Status IncomingMigration::loadDevice(const Section &section) {
  StateReader in = section.reader();
  const std::string name = in.str(256);
  auto state = in.blob(stream::kMaxSectionLength);
  if (!in.ok()) return fail(in.error());
  const std::uint64_t state_offset = in.offset() - state.size();
  for (const auto &device : machine_.devices()) {
    if (device->name() != name) continue;
    StateReader dev(state, state_offset, "device " + name);
    if (auto s = device->loadState(dev); !s)
      return fail("device " + name + " (section at byte offset " + std::to_string(section.offset) +
                  "): " + s.error());
    if (!dev.ok()) return fail(dev.error());
    return {};
  }
  std::string ours;
  for (const auto &device : machine_.devices()) ours += (ours.empty() ? "" : ", ") + std::string(device->name());
  return fail("device section at byte offset " + std::to_string(section.offset) + " is for '" + name +
              "', which this machine does not have (it has: " + (ours.empty() ? "none" : ours) + ")");
}

Status IncomingMigration::loadRegisters(const Section &section) {
  StateReader in = section.reader();
  auto incoming = stream::decodeRegisters(in);
  if (!in.ok()) return fail(in.error());
  summary_.registers = incoming.size();
  const auto local = machine_.vcpu().registerList();
  const auto report = regcompat::runtime::merge(local, incoming, table_);
  if (!report.ok) {
    std::string message = "the CPU register list (cpu-registers section at byte offset " +
                          std::to_string(section.offset) + ", " + std::to_string(incoming.size()) +
                          " registers from " + summary_.source.platform + ") does not load into " +
                          expected_.platform + " under machine type " + expected_.machine_type +
                          (compat_table_used_ ? "'s compat table" : " without a compat table") + ":";
    for (const auto &f : report.findings)
      if (f.severity == regcompat::runtime::Severity::Error)
        message += "\n  " + regcompat::runtime::renderFinding(f);
    message += "\n  " + regcompat::runtime::renderSummary(report);
    return fail(message);
  }
  for (const auto &f : report.findings) summary_.merge_notes.push_back(regcompat::runtime::renderFinding(f));
  if (auto s = machine_.vcpu().loadRegisterList(report.merged); !s)
    return fail("loading the merged CPU register list failed: " + s.error());
  return {};
}

Status IncomingMigration::load(Channel &channel) {
  stream::SectionReader reader(channel);
  if (auto s = reader.readPreamble(); !s) return s;
  RamLoader ram(machine_.memory());
  RamPrefaulter prefaulter(machine_.memory());
  bool ram_started = false;  // a ram-pages section came: no more ram-map
  Section section;
  bool have_header = false, have_arch = false, have_regs = false;
  std::set<std::string> devices_loaded;
  // Per pass, where the destination's time went (reading: waiting for the
  // source, copying out of the socket, section checksums; applying: writing
  // guest RAM, page hashes).
  const bool trace = migrationTraceEnabled();
  using Clock = std::chrono::steady_clock;
  Clock::duration reading{}, applying{};
  for (;;) {
    const auto t0 = Clock::now();
    if (auto s = reader.next(section); !s) return s;
    reading += Clock::now() - t0;
    const std::string where = std::string(toString(section.type)) + " section at byte offset " +
                              std::to_string(section.offset);
    if (!have_header && section.type != SectionType::Header)
      return fail("the stream does not start with a header section (" + where + ")");
    switch (section.type) {
    case SectionType::Header:
      if (have_header) return fail("a second header section (" + where + ")");
      if (auto s = checkHeader(section); !s) return s;
      have_header = true;
      break;
    case SectionType::RamMap: {
      if (ram_started) return fail("a ram-map section after the first ram-pages section (" + where + ")");
      StateReader in = section.reader();
      const stream::RamMap map = stream::decodeRamMap(in);
      if (!in.ok()) return fail(in.error());
      const std::uint64_t pages = machine_.memory().pageCount();
      if (map.first_page > pages || map.page_count > pages - map.first_page)
        return fail("ram-map section at byte offset " + std::to_string(section.offset) + ": pages " +
                    std::to_string(map.first_page) + ".." + std::to_string(map.first_page + map.page_count) +
                    " lie outside guest RAM (" + std::to_string(pages) + " pages)");
      prefaulter.add(map);
      break;
    }
    case SectionType::RamPages: {
      if (!ram_started) {
        ram_started = true;
        prefaulter.start();
      }
      const auto t1 = Clock::now();
      if (auto s = ram.apply(section); !s) return s;
      prefaulter.setFrontier(ram.frontier());
      applying += Clock::now() - t1;
      break;
    }
    case SectionType::IterationEnd: {
      StateReader in = section.reader();
      auto marker = stream::decodeIterationEnd(in);
      if (!in.ok()) return fail(in.error());
      summary_.iterations = marker.iteration;
      if (trace) {
        auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
        std::fprintf(stderr, "regvm: incoming: pass %u: %.1f ms reading, %.1f ms applying %llu pages\n",
                     marker.iteration, ms(reading), ms(applying),
                     static_cast<unsigned long long>(marker.pages_sent));
        reading = applying = {};
      }
      break;
    }
    case SectionType::Device:
      if (auto s = loadDevice(section); !s) return s;
      break;
    case SectionType::CpuArch: {
      if (have_arch) return fail("a second cpu-arch section (" + where + ")");
      StateReader in = section.reader();
      if (auto s = machine_.vcpu().loadArchState(in); !s)
        return fail("CPU architecture state (" + where + "): " + s.error());
      if (!in.ok()) return fail(in.error());
      have_arch = true;
      break;
    }
    case SectionType::CpuRegisters:
      if (have_regs) return fail("a second cpu-registers section (" + where + ")");
      if (auto s = loadRegisters(section); !s) return s;
      have_regs = true;
      break;
    case SectionType::End: {
      StateReader in = section.reader();
      auto end = stream::decodeEnd(in);
      if (!in.ok()) return fail(in.error());
      if (!have_arch || !have_regs)
        return fail("the stream ended (" + where + ") without the CPU's " +
                    std::string(!have_arch ? "architecture state" : "register list"));
      if (end.page_count != machine_.memory().pageCount())
        return fail("end section at byte offset " + std::to_string(section.offset) + " counts " +
                    std::to_string(end.page_count) + " pages, guest RAM has " +
                    std::to_string(machine_.memory().pageCount()));
      const std::uint64_t ours = ram.checksum();
      if (ours != end.ram_checksum)
        return fail("guest RAM checksum mismatch after the load (end section at byte offset " +
                    std::to_string(section.offset) + "): the source sent " +
                    regcompat::runtime::formatValue(end.ram_checksum) + ", the loaded RAM gives " +
                    regcompat::runtime::formatValue(ours));
      prefaulter.stop();
      if (trace) {
        const auto &p = prefaulter.summary();
        std::fprintf(stderr, "regvm: incoming: prefaulted %llu pages in %.1f ms%s%s\n",
                     static_cast<unsigned long long>(p.pages), p.ms, p.error.empty() ? "" : "; stopped: ",
                     p.error.c_str());
      }
      summary_.ram = ram.counters();
      summary_.pages_prefaulted = prefaulter.summary().pages;
      summary_.guest_running = end.running;
      summary_.bytes = reader.offset();
      return {};
    }
    }
  }
}

Status receiveMigration(IncomingMigration &incoming, IncomingListener &listener, int stall_timeout_ms,
                        const std::function<void(const std::string &)> &on_note) {
  auto channel = listener.accept(stall_timeout_ms, on_note);
  if (!channel) return fail(channel.error());
  Status s = incoming.load(**channel);
  if (listener.hasReturnPath()) {
    // Tell the source. A loaded guest runs here only if the source could be
    // told and then handed it over (STREAM.md, "Return path"): a source that
    // gave up waiting resumes its own copy.
    Status told = stream::writeReply(**channel, s.ok(), s.ok() ? std::string("loaded") : s.error());
    if (!s) {
      (*channel)->drain(5000);
    } else if (!told) {
      s = fail("the stream loaded, but the source could not be told (" + told.error() +
               "): it resumes its own copy of the guest, so this one must not run");
    } else {
      std::uint8_t go = 0;
      auto got = (*channel)->readFull(&go, 1);
      if (!got || *got != 1 || go != stream::kSwitchOver)
        s = fail("the stream loaded, but the source did not hand the guest over (" +
                 (got ? std::string(*got == 1 ? "unexpected byte" : "connection closed") : got.error()) +
                 "): it keeps its own copy of the guest, so this one must not run");
    }
  }
  listener.detach();
  return s;
}

} // namespace regvm
