// QEMU migration stream reader; see migration_stream.h for the format.
#include "regcompat/probe/migration_stream.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <utility>

#include "regcompat/db/file_text.h"
#include "regcompat/register_id.h"

namespace regcompat::probe {
namespace {

// Record types (migration/savevm.c).
constexpr std::uint8_t kVmEof = 0x00;
constexpr std::uint8_t kSectionStart = 0x01;
constexpr std::uint8_t kSectionPart = 0x02;
constexpr std::uint8_t kSectionEnd = 0x03;
constexpr std::uint8_t kSectionFull = 0x04;
constexpr std::uint8_t kSubsection = 0x05;
constexpr std::uint8_t kVmDescription = 0x06;
constexpr std::uint8_t kConfiguration = 0x07;
constexpr std::uint8_t kCommand = 0x08;
constexpr std::uint8_t kSectionFooter = 0x7e;

constexpr std::uint32_t kFileMagic = 0x5145564d;  // "QEVM"
constexpr std::uint32_t kFileVersionCompat = 0x00000002;
constexpr std::uint32_t kFileVersion = 0x00000003;

// RAM section flags (migration/ram.c), in the low bits of each page header.
constexpr std::uint64_t kRamFull = 0x01;  // obsolete
constexpr std::uint64_t kRamZero = 0x02;
constexpr std::uint64_t kRamMemSize = 0x04;
constexpr std::uint64_t kRamPage = 0x08;
constexpr std::uint64_t kRamEos = 0x10;
constexpr std::uint64_t kRamContinue = 0x20;
constexpr std::uint64_t kRamXbzrle = 0x40;
constexpr std::uint64_t kRamHook = 0x80;
constexpr std::uint64_t kRamCompressPage = 0x100;
constexpr std::uint64_t kRamMultifdFlush = 0x200;  // QEMU 8.1+

// The CPU-section fields this reader extracts (target/arm/machine.c).
constexpr std::string_view kArrayLenField = "cpreg_vmstate_array_len";
constexpr std::string_view kIndexesField = "cpreg_vmstate_indexes";
constexpr std::string_view kValuesField = "cpreg_vmstate_values";

struct StreamError {
  std::size_t offset;
  std::string message;
};

std::string hexOffset(std::size_t offset) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "offset 0x%zx (%zu)", offset, offset);
  return buf;
}

[[noreturn]] void failAt(std::size_t offset, std::string message) {
  throw StreamError{offset, std::move(message)};
}

// ---------------------------------------------------------------------------
// Minimal JSON reader for the VM description: objects keep their key order,
// nesting depth is bounded, numbers are kept as integers when they are.
struct Json {
  enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  bool integral = false;
  std::int64_t integer = 0;
  std::string string;
  std::vector<Json> items;       // Array elements, or Object values
  std::vector<std::string> keys; // Object keys, parallel to items

  const Json *get(std::string_view key) const {
    if (type != Type::Object) return nullptr;
    for (std::size_t k = 0; k < keys.size(); ++k)
      if (keys[k] == key) return &items[k];
    return nullptr;
  }
  std::optional<std::int64_t> getInt(std::string_view key) const {
    const Json *v = get(key);
    if (v == nullptr || v->type != Type::Number || !v->integral) return std::nullopt;
    return v->integer;
  }
  const std::string *getString(std::string_view key) const {
    const Json *v = get(key);
    return (v != nullptr && v->type == Type::String) ? &v->string : nullptr;
  }
  const std::vector<Json> *getArray(std::string_view key) const {
    const Json *v = get(key);
    return (v != nullptr && v->type == Type::Array) ? &v->items : nullptr;
  }
};

class JsonParser {
 public:
  JsonParser(const std::uint8_t *data, std::size_t size, std::size_t base)
      : p_(data), n_(size), base_(base) {}

  Json parseDocument() {
    Json v = value(0);
    skipSpace();
    if (i_ != n_) fail("unexpected data after the JSON document");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(const std::string &what) const {
    failAt(base_ + i_, "VM description (JSON): " + what);
  }
  void skipSpace() {
    while (i_ < n_ && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r'))
      ++i_;
  }
  bool consume(char c) {
    skipSpace();
    if (i_ < n_ && p_[i_] == static_cast<std::uint8_t>(c)) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  void literal(std::string_view word) {
    if (n_ - i_ < word.size() ||
        std::string_view(reinterpret_cast<const char *>(p_ + i_), word.size()) != word)
      fail("invalid literal");
    i_ += word.size();
  }

  Json value(int depth) {
    if (depth > kMaxDepth) fail("nested deeper than 64 levels");
    skipSpace();
    if (i_ >= n_) fail("unexpected end");
    Json v;
    const std::uint8_t c = p_[i_];
    if (c == '{') {
      ++i_;
      v.type = Json::Type::Object;
      if (consume('}')) return v;
      do {
        skipSpace();
        std::string key = stringLiteral();
        expect(':');
        v.keys.push_back(std::move(key));
        v.items.push_back(value(depth + 1));
      } while (consume(','));
      expect('}');
    } else if (c == '[') {
      ++i_;
      v.type = Json::Type::Array;
      if (consume(']')) return v;
      do {
        v.items.push_back(value(depth + 1));
      } while (consume(','));
      expect(']');
    } else if (c == '"') {
      v.type = Json::Type::String;
      v.string = stringLiteral();
    } else if (c == 't') {
      literal("true");
      v.type = Json::Type::Bool;
      v.boolean = true;
    } else if (c == 'f') {
      literal("false");
      v.type = Json::Type::Bool;
    } else if (c == 'n') {
      literal("null");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      number(v);
    } else {
      fail("unexpected character");
    }
    return v;
  }

  void number(Json &v) {
    v.type = Json::Type::Number;
    bool negative = false;
    if (p_[i_] == '-') {
      negative = true;
      ++i_;
    }
    std::uint64_t magnitude = 0;
    bool overflow = false;
    std::size_t digits = 0;
    while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') {
      const auto d = static_cast<std::uint64_t>(p_[i_] - '0');
      if (magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) overflow = true;
      magnitude = magnitude * 10 + d;
      ++digits;
      ++i_;
    }
    if (digits == 0) fail("invalid number");
    bool fraction = false;
    if (i_ < n_ && p_[i_] == '.') {
      fraction = true;
      ++i_;
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
    }
    if (i_ < n_ && (p_[i_] == 'e' || p_[i_] == 'E')) {
      fraction = true;
      ++i_;
      if (i_ < n_ && (p_[i_] == '+' || p_[i_] == '-')) ++i_;
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
    }
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!fraction && !overflow && magnitude <= kMax) {
      v.integral = true;
      v.integer = negative ? -static_cast<std::int64_t>(magnitude)
                           : static_cast<std::int64_t>(magnitude);
    }
  }

  std::string stringLiteral() {
    if (i_ >= n_ || p_[i_] != '"') fail("expected a string");
    ++i_;
    std::string out;
    while (true) {
      if (i_ >= n_) fail("unterminated string");
      const std::uint8_t c = p_[i_++];
      if (c == '"') return out;
      if (c < 0x20) fail("control character in string");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (i_ >= n_) fail("unterminated escape");
      const std::uint8_t e = p_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (n_ - i_ < 4) fail("truncated \\u escape");
          unsigned code = 0;
          for (int k = 0; k < 4; ++k) {
            const std::uint8_t h = p_[i_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
            else fail("invalid \\u escape");
          }
          // Names in QEMU descriptions are ASCII; keep others as '?'.
          out.push_back(code < 0x80 ? static_cast<char>(code) : '?');
          break;
        }
        default: fail("invalid escape");
      }
    }
  }

  const std::uint8_t *p_;
  std::size_t n_;
  std::size_t base_;  // offset of p_[0] in the stream, for messages
  std::size_t i_ = 0;
};

// ---------------------------------------------------------------------------
class Cursor {
 public:
  Cursor(const std::uint8_t *data, std::size_t size) : p_(data), n_(size) {}

  std::size_t offset() const { return i_; }
  std::size_t size() const { return n_; }
  // Ends the readable data at `end` (the VM description is not record data).
  void limit(std::size_t end) { n_ = std::min(n_, end); }
  std::size_t remaining() const { return n_ - i_; }
  const std::uint8_t *data() const { return p_; }

  void need(std::size_t bytes, std::string_view what) const {
    if (remaining() < bytes)
      failAt(i_, "truncated stream: " + std::string(what) + " needs " + std::to_string(bytes) +
                     " byte(s), " + std::to_string(remaining()) + " left");
  }
  std::uint8_t peek(std::string_view what) const {
    need(1, what);
    return p_[i_];
  }
  std::uint8_t u8(std::string_view what) {
    need(1, what);
    return p_[i_++];
  }
  std::uint32_t be32(std::string_view what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | p_[i_++];
    return v;
  }
  std::uint64_t be64(std::string_view what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | p_[i_++];
    return v;
  }
  std::string bytes(std::size_t count, std::string_view what) {
    need(count, what);
    std::string s(reinterpret_cast<const char *>(p_ + i_), count);
    i_ += count;
    return s;
  }
  // u8 length + that many bytes (QEMU's idstr form).
  std::string shortString(std::string_view what) {
    const std::uint8_t len = u8(what);
    return bytes(len, what);
  }
  void skip(std::uint64_t count, std::string_view what) {
    if (count > remaining()) {
      failAt(i_, "truncated stream: " + std::string(what) + " needs " + std::to_string(count) +
                     " byte(s), " + std::to_string(remaining()) + " left");
    }
    i_ += static_cast<std::size_t>(count);
  }

 private:
  const std::uint8_t *p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

// Finds the VM description at the end of the stream: a 0x06 byte, a be32
// length L and a JSON object of exactly L bytes that ends the stream. Returns
// the offset of the 0x06 byte. JSON text holds no 0x06 byte, so scanning
// backwards from the end finds the right record first.
std::optional<std::size_t> findDescription(const std::uint8_t *p, std::size_t n) {
  if (n < 8 + 1 + 5 + 2) return std::nullopt;
  for (std::size_t pos = n - 7; pos >= 8; --pos) {
    if (p[pos] != kVmDescription) continue;
    const std::uint32_t len = (std::uint32_t{p[pos + 1]} << 24) | (std::uint32_t{p[pos + 2]} << 16) |
                              (std::uint32_t{p[pos + 3]} << 8) | std::uint32_t{p[pos + 4]};
    if (len == n - pos - 5 && p[pos + 5] == '{') return pos;
    // A 0x06 inside binary data: keep looking further back, but JSON text
    // never contains it, so the description cannot start before this point
    // unless this byte belongs to the device data preceding it.
  }
  return std::nullopt;
}

std::string describeRecord(std::uint8_t type) {
  switch (type) {
    case kSectionStart: return "SECTION_START";
    case kSectionPart: return "SECTION_PART";
    case kSectionEnd: return "SECTION_END";
    case kSectionFull: return "SECTION_FULL";
    default: return "record";
  }
}

// Fields of one CPU section that the reader picks up while walking it.
struct CpuFields {
  std::optional<std::int64_t> array_len;
  std::size_t array_len_offset = 0;
  std::vector<std::uint64_t> indexes;
  std::vector<std::uint64_t> values;
  bool saw_indexes = false;
  bool saw_values = false;
  std::vector<std::string> subsections;
};

class StreamParser {
 public:
  StreamParser(const std::uint8_t *data, std::size_t size) : c_(data, size) {}

  MigrationStream parse() {
    const std::uint32_t magic = c_.be32("file magic");
    if (magic != kFileMagic) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "not a QEMU migration stream: magic 0x%08x, expected 0x%08x (\"QEVM\")",
                    magic, kFileMagic);
      failAt(0, buf);
    }
    const std::uint32_t version = c_.be32("file version");
    if (version == kFileVersionCompat)
      failAt(4, "stream format version 2 (pre-QEMU-1.3 savevm) is not supported");
    if (version != kFileVersion)
      failAt(4, "unsupported stream format version " + std::to_string(version) + ", expected 3");

    loadDescription();

    if (c_.remaining() > 0 && c_.peek("record type") == kConfiguration) {
      c_.u8("record type");
      parseConfiguration();
    }
    resolvePageSize();

    while (true) {
      const std::size_t at = c_.offset();
      if (description_offset_ && at == *description_offset_)
        failAt(at, "VM description reached without QEMU_VM_EOF: the records end early");
      const std::uint8_t type = c_.u8("record type");
      switch (type) {
        case kVmEof:
          finish();
          return std::move(out_);
        case kSectionStart:
        case kSectionFull:
          startSection(type, at);
          break;
        case kSectionPart:
        case kSectionEnd:
          continueSection(type, at);
          break;
        case kCommand:
          parseCommand(at);
          break;
        case kConfiguration:
          failAt(at, "configuration record after the first section");
        case kSubsection:
          failAt(at, "subsection record outside a section (previous section longer than described?)");
        case kVmDescription:
          failAt(at, "VM description before QEMU_VM_EOF");
        case kSectionFooter:
          failAt(at, "section footer without a preceding section");
        default: {
          char buf[64];
          std::snprintf(buf, sizeof buf, "unknown record type 0x%02x", type);
          failAt(at, buf);
        }
      }
    }
  }

 private:
  void loadDescription() {
    description_offset_ = findDescription(c_.data(), c_.size());
    if (!description_offset_) return;  // reported when a device section needs it
    const std::size_t start = *description_offset_ + 5;
    JsonParser json(c_.data() + start, c_.size() - start, start);
    c_.limit(*description_offset_);
    description_ = std::make_unique<Json>(json.parseDocument());
    if (description_->type != Json::Type::Object)
      failAt(start, "VM description (JSON) is not an object");
    out_.description_offset = *description_offset_;
    if (auto ps = description_->getInt("page_size")) description_page_size_ = *ps;
    const auto *devices = description_->getArray("devices");
    if (devices == nullptr) failAt(start, "VM description (JSON) has no \"devices\" array");
    for (const Json &dev : *devices) {
      const std::string *name = dev.getString("name");
      const auto instance = dev.getInt("instance_id");
      if (name == nullptr || !instance)
        failAt(start, "VM description (JSON): a device entry lacks \"name\" or \"instance_id\"");
      devices_.emplace(std::make_pair(*name, *instance), &dev);
    }
  }

  // QEMU_VM_COMMAND (migration/savevm.c qemu_savevm_command_send()): be16
  // command, be16 length, that many bytes. A precopy stream to a file holds
  // at most SWITCHOVER_START (QEMU 10.0+, sent under machine types whose
  // migration object has send-switchover-start on, virt-10.0 and newer) and
  // the return-path handshake commands, none of which carries device state;
  // the postcopy and packaged commands change how the rest must be read.
  void parseCommand(std::size_t at) {
    struct CommandInfo {
      std::uint16_t id;
      const char *name;
      int length;  // fixed payload length, -1 variable (loadvm_process_command)
      bool supported;
    };
    static constexpr CommandInfo kCommands[] = {
        {1, "OPEN_RETURN_PATH", 0, true},   {2, "PING", 4, true},
        {3, "POSTCOPY_ADVISE", -1, false},  {4, "POSTCOPY_LISTEN", 0, false},
        {5, "POSTCOPY_RUN", 0, false},      {6, "POSTCOPY_RAM_DISCARD", -1, false},
        {7, "POSTCOPY_RESUME", 0, false},   {8, "PACKAGED", 4, false},
        {9, "RECV_BITMAP", -1, false},      {10, "ENABLE_COLO", 0, false},
        {11, "SWITCHOVER_START", 0, true},
    };
    const std::uint16_t id = static_cast<std::uint16_t>((std::uint16_t{c_.u8("command")} << 8) | c_.u8("command"));
    const std::uint16_t len = static_cast<std::uint16_t>((std::uint16_t{c_.u8("command length")} << 8) |
                                                         c_.u8("command length"));
    const CommandInfo *info = nullptr;
    for (const CommandInfo &k : kCommands)
      if (k.id == id) info = &k;
    if (info == nullptr) failAt(at, "QEMU_VM_COMMAND " + std::to_string(id) + " is not a command QEMU defines");
    if (!info->supported)
      failAt(at, std::string("QEMU_VM_COMMAND ") + info->name +
                     ": postcopy, packaged and COLO streams are not supported (precopy streams only)");
    if (info->length >= 0 && len != info->length)
      failAt(at, std::string("QEMU_VM_COMMAND ") + info->name + " with length " + std::to_string(len) +
                     ", expected " + std::to_string(info->length));
    c_.skip(len, std::string("QEMU_VM_COMMAND ") + info->name + " payload");
    out_.commands.push_back(info->name);
  }

  void parseConfiguration() {
    // vmstate_configuration (migration/savevm.c): be32 len, name[len], then
    // optional subsections target-page-bits, capabilities, uuid.
    const std::size_t at = c_.offset();
    const std::uint32_t len = c_.be32("configuration name length");
    if (len > 256) failAt(at, "configuration name length " + std::to_string(len) + " exceeds 256");
    out_.machine_type = c_.bytes(len, "configuration name");
    while (c_.remaining() > 0 && c_.peek("record type") == kSubsection) {
      const std::size_t sub_at = c_.offset();
      c_.u8("subsection marker");
      const std::string name = c_.shortString("configuration subsection name");
      const std::uint32_t version = c_.be32("configuration subsection version");
      if (version != 1)
        failAt(sub_at, "configuration subsection '" + name + "' version " + std::to_string(version) +
                           ", expected 1");
      if (name == "configuration/target-page-bits") {
        const std::size_t bits_at = c_.offset();
        const std::uint32_t bits = c_.be32("target-page-bits");
        if (bits < 10 || bits > 20)
          failAt(bits_at, "target-page-bits " + std::to_string(bits) + " out of range 10..20");
        config_page_bits_ = bits;
      } else if (name == "configuration/capabilities") {
        const std::uint32_t count = c_.be32("capability count");
        for (std::uint32_t k = 0; k < count; ++k)
          out_.capabilities.push_back(c_.shortString("capability name"));
      } else if (name == "configuration/uuid") {
        c_.skip(16, "configuration uuid");
      } else {
        failAt(sub_at, "unknown configuration subsection '" + name + "'");
      }
    }
    for (const std::string &cap : out_.capabilities) {
      if (cap == "x-ignore-shared") ignore_shared_ = true;
      if (cap == "postcopy-ram")
        failAt(at, "stream negotiated postcopy-ram: its RAM block list has a size this reader cannot know");
    }
  }

  void resolvePageSize() {
    std::uint64_t page = 4096;
    if (config_page_bits_) page = std::uint64_t{1} << *config_page_bits_;
    if (description_page_size_) {
      const std::int64_t ps = *description_page_size_;
      if (ps < 1024 || ps > (1 << 20) || (ps & (ps - 1)) != 0)
        failAt(*description_offset_ + 5, "VM description page_size " + std::to_string(ps) +
                                             " is not a power of two in 1 KiB..1 MiB");
      if (config_page_bits_ && static_cast<std::uint64_t>(ps) != page)
        failAt(*description_offset_ + 5, "VM description page_size " + std::to_string(ps) +
                                             " contradicts target-page-bits " +
                                             std::to_string(*config_page_bits_));
      page = static_cast<std::uint64_t>(ps);
    }
    out_.page_size = static_cast<std::uint32_t>(page);
  }

  struct OpenSection {
    std::string name;
    std::uint32_t instance_id;
    bool ended = false;
  };

  void startSection(std::uint8_t type, std::size_t at) {
    StreamSection s;
    s.offset = at;
    s.section_id = c_.be32("section id");
    s.name = c_.shortString("section name");
    s.instance_id = c_.be32("instance id");
    s.version_id = c_.be32("version id");
    if (sections_.count(s.section_id) != 0 && type == kSectionStart)
      failAt(at, "section id " + std::to_string(s.section_id) + " started twice");
    sections_[s.section_id] = OpenSection{s.name, s.instance_id};
    out_.sections.push_back(s);

    if (type == kSectionStart) {
      if (s.name != "ram")
        failAt(at, "iterative section '" + s.name + "' is not supported (only \"ram\")");
      if (s.version_id != 4)
        failAt(at, "ram section version " + std::to_string(s.version_id) + ", expected 4");
      parseRam();
    } else {
      parseDevice(s, at);
    }
    footer(s.section_id);
  }

  void continueSection(std::uint8_t type, std::size_t at) {
    const std::uint32_t id = c_.be32("section id");
    auto it = sections_.find(id);
    if (it == sections_.end())
      failAt(at, describeRecord(type) + " for section id " + std::to_string(id) + " that was never started");
    if (it->second.ended)
      failAt(at, describeRecord(type) + " for section '" + it->second.name + "' after its end");
    if (it->second.name != "ram")
      failAt(at, describeRecord(type) + " for non-iterative section '" + it->second.name + "'");
    if (type == kSectionEnd) it->second.ended = true;
    parseRam();
    footer(id);
  }

  void footer(std::uint32_t id) {
    if (c_.remaining() == 0 || c_.peek("record type") != kSectionFooter) return;
    const std::size_t at = c_.offset();
    c_.u8("section footer");
    const std::uint32_t got = c_.be32("section footer id");
    if (got != id)
      failAt(at, "section footer for section id " + std::to_string(got) + ", expected " +
                     std::to_string(id) + " (previous section longer or shorter than described?)");
  }

  // One RAM section payload, up to and including the EOS flag
  // (migration/ram.c ram_load_precopy()).
  void parseRam() {
    const std::uint64_t page = out_.page_size;
    const std::uint64_t mask = page - 1;
    while (true) {
      const std::size_t at = c_.offset();
      const std::uint64_t header = c_.be64("RAM page header");
      std::uint64_t flags = header & mask;
      const std::uint64_t addr = header & ~mask;
      if (flags & (kRamFull | kRamHook)) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "RAM flags 0x%llx not supported in a saved stream",
                      static_cast<unsigned long long>(flags));
        failAt(at, buf);
      }
      if (flags & kRamMemSize) {
        parseRamBlockList(addr);
        flags &= ~kRamMemSize;
      }
      const std::uint64_t kind = flags & (kRamZero | kRamPage | kRamXbzrle | kRamCompressPage);
      if (kind != 0) {
        if ((kind & (kind - 1)) != 0) failAt(at, "RAM page header with several page kinds");
        if (flags & kRamContinue) {
          if (!have_ram_block_) failAt(at, "RAM page with CONTINUE flag before any named block");
        } else {
          c_.shortString("RAM block name");
          have_ram_block_ = true;
        }
        if (kind == kRamZero) {
          c_.u8("zero-page fill byte");
        } else if (kind == kRamPage) {
          c_.skip(page, "RAM page");
        } else if (kind == kRamXbzrle) {
          const std::uint8_t enc = c_.u8("XBZRLE encoding flag");
          if (enc != 1) failAt(at, "XBZRLE page with encoding flag " + std::to_string(enc));
          std::uint32_t len = c_.u8("XBZRLE length");
          len = (len << 8) | c_.u8("XBZRLE length");
          if (len > page) failAt(at, "XBZRLE page longer than a page");
          c_.skip(len, "XBZRLE page");
        } else {
          const std::uint32_t len = c_.be32("compressed page length");
          if (len > page + page / 8 + 64) failAt(at, "compressed page length " + std::to_string(len) + " too large");
          c_.skip(len, "compressed page");
        }
        flags &= ~(kind | kRamContinue);
      }
      flags &= ~kRamMultifdFlush;
      const bool eos = (flags & kRamEos) != 0;
      flags &= ~kRamEos;
      if (flags != 0) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "unknown combination of RAM flags 0x%llx",
                      static_cast<unsigned long long>(header & mask));
        failAt(at, buf);
      }
      if (eos) return;
    }
  }

  void parseRamBlockList(std::uint64_t total) {
    // Blocks (u8 len, idstr, be64 used_length[, be64 addr with x-ignore-shared])
    // until their lengths add up to the total.
    while (total > 0) {
      const std::size_t at = c_.offset();
      const std::string name = c_.shortString("RAM block name");
      const std::uint64_t length = c_.be64("RAM block length");
      if (ignore_shared_) c_.be64("RAM block address");
      if (length == 0 || length > total)
        failAt(at, "RAM block '" + name + "' length " + std::to_string(length) +
                       " does not fit the remaining total " + std::to_string(total));
      total -= length;
    }
  }

  void parseDevice(const StreamSection &s, std::size_t at) {
    if (!description_)
      failAt(at, "section '" + s.name + "' cannot be decoded: the stream has no VM description "
                 "(QEMU_VM_VMDESCRIPTION) at its end (truncated, or saved with suppress-vmdesc)");
    auto it = devices_.find({s.name, static_cast<std::int64_t>(s.instance_id)});
    if (it == devices_.end())
      failAt(at, "section '" + s.name + "' instance " + std::to_string(s.instance_id) +
                     " is not in the VM description");
    const Json &dev = *it->second;
    if (auto v = dev.getInt("version"); v && *v != static_cast<std::int64_t>(s.version_id))
      failAt(at, "section '" + s.name + "' version " + std::to_string(s.version_id) +
                     " but the VM description says " + std::to_string(*v));
    const bool is_cpu = s.name == "cpu";
    CpuFields cpu;
    walkVmsd(dev, is_cpu ? &cpu : nullptr, 0);
    if (is_cpu) finishCpu(s, at, cpu);
  }

  // Walks one VMStateDescription's fields and subsections. `cpu` collects the
  // register list at the top level of a CPU section.
  void walkVmsd(const Json &desc, CpuFields *cpu, int depth) {
    if (depth > 16) failAt(c_.offset(), "subsections nested deeper than 16 levels");
    if (const auto *fields = desc.getArray("fields")) {
      for (const Json &field : *fields) walkField(field, cpu);
    }
    if (const auto *subs = desc.getArray("subsections")) {
      for (const Json &sub : *subs) {
        const std::size_t at = c_.offset();
        const std::string *want = sub.getString("vmsd_name");
        const std::string want_name = want != nullptr ? *want : std::string("?");
        const std::uint8_t marker = c_.u8("subsection marker");
        if (marker != kSubsection) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "byte 0x%02x, expected 0x05 ", marker);
          failAt(at, std::string(buf) + "for subsection '" + want_name + "'");
        }
        const std::string name = c_.shortString("subsection name");
        if (want != nullptr && name != *want)
          failAt(at, "subsection '" + name + "', the VM description expects '" + want_name + "'");
        const std::uint32_t version = c_.be32("subsection version");
        if (auto v = sub.getInt("version"); v && *v != static_cast<std::int64_t>(version))
          failAt(at, "subsection '" + name + "' version " + std::to_string(version) +
                         " but the VM description says " + std::to_string(*v));
        if (cpu != nullptr) cpu->subsections.push_back(name);
        walkVmsd(sub, nullptr, depth + 1);
      }
    }
  }

  void walkField(const Json &field, CpuFields *cpu) {
    const std::size_t at = c_.offset();
    const std::string *name = field.getString("name");
    const auto size = field.getInt("size");
    if (name == nullptr || !size || *size < 0)
      failAt(at, "VM description: a field lacks \"name\" or a valid \"size\"");
    std::int64_t count = 1;
    if (auto n = field.getInt("array_len")) {
      if (*n < 0) failAt(at, "VM description: field '" + *name + "' has a negative array_len");
      count = *n;
    }
    // The register arrays are as long as the count the stream itself carries
    // just before them, which is what QEMU's loader reads; the description
    // only repeats the sender's count (and an edited stream may not).
    if (cpu != nullptr && cpu->array_len && *cpu->array_len >= 0 && (*name == kIndexesField || *name == kValuesField))
      count = *cpu->array_len;
    // Bound the product before multiplying: it must fit the bytes left.
    const auto usize = static_cast<std::uint64_t>(*size);
    const auto ucount = static_cast<std::uint64_t>(count);
    if (usize != 0 && ucount > c_.remaining() / usize)
      failAt(at, "truncated stream: field '" + *name + "' needs " + std::to_string(ucount) + " x " +
                     std::to_string(usize) + " byte(s), " + std::to_string(c_.remaining()) + " left");
    const std::uint64_t total = usize * ucount;

    if (cpu != nullptr && *name == kArrayLenField) {
      if (usize != 4 || ucount != 1) failAt(at, "cpu field '" + *name + "' is not a single int32");
      cpu->array_len_offset = at;
      cpu->array_len = static_cast<std::int32_t>(c_.be32("cpreg_vmstate_array_len"));
      return;
    }
    if (cpu != nullptr && (*name == kIndexesField || *name == kValuesField)) {
      if (usize != 8) failAt(at, "cpu field '" + *name + "' element size " + std::to_string(usize) + ", expected 8");
      auto &vec = *name == kIndexesField ? cpu->indexes : cpu->values;
      (*name == kIndexesField ? cpu->saw_indexes : cpu->saw_values) = true;
      vec.reserve(vec.size() + static_cast<std::size_t>(ucount));
      for (std::uint64_t k = 0; k < ucount; ++k) vec.push_back(c_.be64(*name));
      return;
    }
    c_.skip(total, "field '" + *name + "'");
  }

  void finishCpu(const StreamSection &s, std::size_t at, const CpuFields &cpu) {
    if (!cpu.array_len) {
      // Not an Arm CPU (x86 and others have no cpreg list): nothing to report.
      return;
    }
    const std::int64_t n = *cpu.array_len;
    if (n < 0)
      failAt(cpu.array_len_offset, "cpreg_vmstate_array_len is negative (" + std::to_string(n) + ")");
    const auto count = static_cast<std::uint64_t>(n);
    if (cpu.indexes.size() != count || cpu.values.size() != count)
      failAt(cpu.array_len_offset,
             "cpreg_vmstate_array_len " + std::to_string(n) + " but the section holds " +
                 std::to_string(cpu.indexes.size()) + " index(es) and " +
                 std::to_string(cpu.values.size()) + " value(s)");
    (void)at;
    StreamCpu out;
    out.instance_id = s.instance_id;
    out.section_version = s.version_id;
    out.list_offset = cpu.array_len_offset;
    out.subsections = cpu.subsections;
    out.registers.reserve(cpu.indexes.size());
    for (std::size_t k = 0; k < cpu.indexes.size(); ++k)
      out.registers.push_back({cpu.indexes[k], cpu.values[k]});
    out_.cpus.push_back(std::move(out));
  }

  void finish() {
    // The cursor ends where the VM description starts (or at the end).
    if (c_.remaining() != 0)
      failAt(c_.offset(), std::to_string(c_.remaining()) +
                              " byte(s) after QEMU_VM_EOF that are not the VM description");
  }

  Cursor c_;
  MigrationStream out_;
  std::optional<std::size_t> description_offset_;
  std::unique_ptr<Json> description_;
  std::optional<std::int64_t> description_page_size_;
  std::optional<std::uint32_t> config_page_bits_;
  std::map<std::pair<std::string, std::int64_t>, const Json *> devices_;
  std::map<std::uint32_t, OpenSection> sections_;
  bool ignore_shared_ = false;
  bool have_ram_block_ = false;
};

}  // namespace

Result<MigrationStream> parseMigrationStream(const std::uint8_t *data, std::size_t size) noexcept {
  try {
    if (data == nullptr && size != 0) return fail("no data");
    static const std::uint8_t kEmpty = 0;
    StreamParser parser(data != nullptr ? data : &kEmpty, size);
    return parser.parse();
  } catch (const StreamError &e) {
    try {
      return fail(hexOffset(e.offset) + ": " + e.message);
    } catch (...) {
      return Error{};
    }
  } catch (const std::bad_alloc &) {
    return Error{"out of memory while parsing the migration stream"};
  } catch (...) {
    return Error{"internal error while parsing the migration stream"};
  }
}

Result<MigrationStream> readMigrationStreamFile(const std::string &path) noexcept {
  try {
    // A stream of a guest with its RAM can be large, but not endless: a
    // device (/dev/zero) or a FIFO is refused, like any oversized file.
    auto text = db::readInputFile(path, kMaxStreamFileBytes);
    if (!text) return fail(text.error());
    const std::string &bytes = text.value();
    auto r = parseMigrationStream(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
    if (!r) return fail(path + ": " + r.error());
    return r;
  } catch (...) {
    return Error{path + ": cannot read (out of memory?)"};
  }
}

std::vector<std::string> checkRegisterList(const StreamCpu &cpu) {
  std::vector<std::string> problems;
  for (std::size_t k = 0; k < cpu.registers.size(); ++k) {
    const std::uint64_t idx = cpu.registers[k].index;
    char buf[128];
    if (k > 0 && idx <= cpu.registers[k - 1].index) {
      std::snprintf(buf, sizeof buf, "cpu %u: index 0x%016llx at position %zu is %s", cpu.instance_id,
                    static_cast<unsigned long long>(idx), k,
                    idx == cpu.registers[k - 1].index ? "repeated" : "out of order");
      problems.emplace_back(buf);
    }
    if (auto id = RegisterId::fromIndex(idx); !id) {
      std::snprintf(buf, sizeof buf, "cpu %u: index 0x%016llx at position %zu: ", cpu.instance_id,
                    static_cast<unsigned long long>(idx), k);
      problems.emplace_back(buf + id.error());
    }
  }
  return problems;
}

}  // namespace regcompat::probe
