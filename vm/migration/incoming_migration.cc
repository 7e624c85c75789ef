#include "incoming_migration.h"

#include <set>

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
  Section section;
  bool have_header = false, have_arch = false, have_regs = false;
  std::set<std::string> devices_loaded;
  for (;;) {
    if (auto s = reader.next(section); !s) return s;
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
    case SectionType::RamPages:
      if (auto s = ram.apply(section); !s) return s;
      break;
    case SectionType::IterationEnd: {
      StateReader in = section.reader();
      auto marker = stream::decodeIterationEnd(in);
      if (!in.ok()) return fail(in.error());
      summary_.iterations = marker.iteration;
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
      summary_.ram = ram.counters();
      summary_.guest_running = end.running;
      summary_.bytes = reader.offset();
      return {};
    }
    }
  }
}

Status receiveMigration(IncomingMigration &incoming, IncomingListener &listener) {
  auto channel = listener.accept();
  if (!channel) return fail(channel.error());
  Status s = incoming.load(**channel);
  // Tell the source (sockets); a source that is gone does not change the
  // outcome on this side.
  (void)stream::writeReply(**channel, s.ok(), s.ok() ? std::string("loaded") : s.error());
  if (!s) (*channel)->drain(5000);
  return s;
}

} // namespace regvm
