// The scan cache (see scan_cache.h): entry files and the extraction codec.
#include "scan_cache.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/xxhash.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

namespace regcompat::extract::qemu {

namespace fs = std::filesystem;

namespace {

constexpr const char *kMagic = "regcompat-scan-cache\n";

// Variable-length integers and length-prefixed strings. With
// `intern`, each distinct string is stored once in a table written first and
// referred to by number: an extraction repeats the same names, sites and
// guards in every CPU model (10.2.2, 36 models: 28 MB raw, a fraction of
// that interned, and read back in a fraction of the time).
class ByteWriter {
 public:
  explicit ByteWriter(bool intern = false) : intern_(intern) {}
  // LEB128: most numbers here are small (counts, string ids, flags).
  ByteWriter &u64(std::uint64_t v) {
    do {
      unsigned char byte = static_cast<unsigned char>(v & 0x7f);
      v >>= 7;
      if (v) byte = static_cast<unsigned char>(byte | 0x80);
      out_ += static_cast<char>(byte);
    } while (v);
    return *this;
  }
  ByteWriter &str(const std::string &s) {
    if (intern_) {
      auto [it, added] = ids_.emplace(s, table_.size());
      if (added) table_.push_back(&it->first);
      return u64(it->second);
    }
    u64(s.size());
    out_ += s;
    return *this;
  }
  ByteWriter &opt(const std::optional<std::uint64_t> &v) {
    u64(v ? 1 : 0);
    return u64(v.value_or(0));
  }
  ByteWriter &strings(const std::vector<std::string> &v) {
    u64(v.size());
    for (const auto &s : v) str(s);
    return *this;
  }
  std::string take() {
    if (!intern_) return std::move(out_);
    ByteWriter head;
    head.u64(table_.size());
    for (const std::string *t : table_) head.str(*t);
    return head.take() + out_;
  }

 private:
  bool intern_;
  std::string out_;
  std::map<std::string, std::uint64_t> ids_;
  std::vector<const std::string *> table_;
};

// Every read checks the bounds; the first failure sticks (ok() turns false)
// and later reads return zero values, so a damaged entry decodes to garbage
// that the caller throws away, never to a crash or a huge allocation.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in, std::size_t at = 0) : in_(in), at_(at) {}
  // The interned form: reads the string table first (into `table`, which
  // the reader refers to).
  static ByteReader interned(std::string_view in, std::vector<std::string> &table) {
    ByteReader r(in);
    table.resize(r.count());
    for (auto &t : table) t = r.str();
    r.table_ = &table;
    return r;
  }
  bool ok() const { return ok_; }
  bool atEnd() const { return at_ == in_.size(); }

  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; ok_; shift += 7) {
      if (at_ >= in_.size() || shift > 63) return fail();
      const auto byte = static_cast<unsigned char>(in_[at_++]);
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
    return 0;
  }
  std::string str() {
    std::string s;
    strInto(s);
    return s;
  }
  // A length-prefixed byte string, not copied.
  std::string_view view() {
    std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - at_) return fail(), std::string_view();
    std::string_view s = in_.substr(at_, static_cast<std::size_t>(n));
    at_ += static_cast<std::size_t>(n);
    return s;
  }
  std::optional<std::uint64_t> opt() {
    std::uint64_t has = u64(), v = u64();
    if (has) return v;
    return std::nullopt;
  }
  std::vector<std::string> strings() {
    std::vector<std::string> v;
    stringsInto(v);
    return v;
  }
  // str() and strings() into existing storage, which they reuse.
  void strInto(std::string &s) {
    if (table_) {
      std::uint64_t id = u64();
      if (!ok_ || id >= table_->size()) return fail(), s.clear();
      s.assign((*table_)[static_cast<std::size_t>(id)]);
      return;
    }
    s.assign(view());
  }
  void stringsInto(std::vector<std::string> &v) {
    v.resize(count());
    for (auto &s : v) strInto(s);
  }
  // An element count, bounded by the bytes left (each element takes >= 1).
  std::size_t count() {
    std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - at_) return fail(), 0;
    return static_cast<std::size_t>(n);
  }

 private:
  std::uint64_t fail() {
    ok_ = false;
    return 0;
  }
  std::string_view in_;
  std::size_t at_;
  bool ok_ = true;
  const std::vector<std::string> *table_ = nullptr;
};

void putDiagnostics(ByteWriter &w, const std::vector<Diagnostic> &v) {
  w.u64(v.size());
  for (const auto &d : v) w.str(d.where).str(d.message);
}

std::vector<Diagnostic> getDiagnostics(ByteReader &r) {
  std::vector<Diagnostic> v(r.count());
  for (auto &d : v) {
    d.where = r.str();
    d.message = r.str();
  }
  return v;
}

void putDefinition(ByteWriter &w, const RegDefinition &d) {
  w.str(d.name).str(d.where).str(d.table);
  for (const auto *f : {&d.cp, &d.crn, &d.crm, &d.opc0, &d.opc1, &d.opc2, &d.state, &d.type, &d.access,
                        &d.secure, &d.resetvalue})
    w.opt(*f);
  w.str(d.resetvalue_expr).str(d.guard).str(d.loop);
}

RegDefinition getDefinition(ByteReader &r) {
  RegDefinition d;
  d.name = r.str();
  d.where = r.str();
  d.table = r.str();
  for (auto *f : {&d.cp, &d.crn, &d.crm, &d.opc0, &d.opc1, &d.opc2, &d.state, &d.type, &d.access,
                  &d.secure, &d.resetvalue})
    *f = r.opt();
  d.resetvalue_expr = r.str();
  d.guard = r.str();
  d.loop = r.str();
  return d;
}

void putRegister(ByteWriter &w, const CpuRegister &x) {
  w.u64(x.index).u64(x.key).str(x.name).u64(x.type).strings(x.flags);
  w.u64(x.migrated).u64(x.is_const).opt(x.value).str(x.where).str(x.guard);
}

void readRegister(ByteReader &r, CpuRegister &x) {
  x.index = r.u64();
  x.key = static_cast<std::uint32_t>(r.u64());
  r.strInto(x.name);
  x.type = r.u64();
  r.stringsInto(x.flags);
  x.migrated = r.u64() != 0;
  x.is_const = r.u64() != 0;
  x.value = r.opt();
  r.strInto(x.where);
  r.strInto(x.guard);
}

void putModel(ByteWriter &w, const CpuModelSet &m) {
  w.str(m.model).str(m.type_name).str(m.init_function).str(m.where).strings(m.features);
  w.u64(m.id_registers.size());
  for (const auto &[k, v] : m.id_registers) w.str(k).u64(v);
  w.u64(m.registers.size());
  for (const auto &x : m.registers) putRegister(w, x);
  putDiagnostics(w, m.diagnostics);
  w.u64(m.unknown_conditions);
}

CpuModelSet getModel(ByteReader &r, bool migrated_only) {
  CpuModelSet m;
  m.model = r.str();
  m.type_name = r.str();
  m.init_function = r.str();
  m.where = r.str();
  m.features = r.strings();
  for (std::size_t n = r.count(); n > 0 && r.ok(); --n) {
    std::string k = r.str();
    m.id_registers[k] = r.u64();
  }
  std::size_t registers = r.count();
  if (!migrated_only) {
    m.registers.resize(registers);
    for (auto &x : m.registers) readRegister(r, x);
  } else {
    // Read into one register whose storage is reused: the instances off the
    // stream are most of them (10.2.2: 105k of 111k).
    CpuRegister x;
    for (; registers > 0 && r.ok(); --registers) {
      readRegister(r, x);
      if (x.migrated) m.registers.push_back(x);
    }
  }
  m.diagnostics = getDiagnostics(r);
  m.unknown_conditions = static_cast<std::size_t>(r.u64());
  return m;
}

std::uint64_t hashWithSeed(const std::string &bytes, std::uint64_t seed) {
  // xxHash64 has no seed parameter in LLVM 14: prefix the seed instead.
  std::string s(reinterpret_cast<const char *>(&seed), sizeof seed);
  return llvm::xxHash64(s + bytes);
}

}  // namespace

// ---------------------------------------------------------------------------
std::uint64_t contentHash(std::string_view bytes) { return llvm::xxHash64(bytes); }

ConfigKey &ConfigKey::add(const std::string &part) {
  // Length-prefixed, so that ("ab","c") and ("a","bc") differ.
  material_ += std::to_string(part.size()) + ":" + part + ";";
  return *this;
}

std::string ConfigKey::hex() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(hashWithSeed(material_, 0x7265676370ull)),
                static_cast<unsigned long long>(hashWithSeed(material_, 0x71656d75ull)));
  return buf;
}

fs::path ScanCache::defaultDir() {
  if (const char *c = std::getenv("REGCOMPAT_CACHE"); c && *c) return fs::path(c) / "scan";
  const char *home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache/regcompat/scan";
}

std::optional<QemuExtraction> ScanCache::lookup(const std::string &key, bool migrated_only) const {
  if (dir_.empty()) return std::nullopt;
  auto file =
      llvm::MemoryBuffer::getFile(entryPath(key).string(), /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!file) return std::nullopt;
  const std::string_view entry((*file)->getBufferStart(), (*file)->getBufferSize());
  const std::string_view magic = kMagic;
  if (entry.substr(0, magic.size()) != magic) return std::nullopt;
  ByteReader r(entry, magic.size());
  if (r.str() != kExtractorVersion || r.str() != key) return std::nullopt;
  std::vector<FileDigest> inputs(r.count());
  for (auto &f : inputs) {
    f.path = r.str();
    f.hash = r.u64();
  }
  std::string_view payload = r.view();
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  // A hit is most of a warm run: the inputs (hundreds of headers) are
  // re-hashed on a second thread while this one decodes the payload, which
  // is thrown away if any input changed.
  std::atomic<bool> unchanged{true};
  std::thread rehash([&] {
    for (const FileDigest &f : inputs) {
      auto bytes = llvm::MemoryBuffer::getFile(f.path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
      if (!bytes || contentHash((*bytes)->getBuffer()) != f.hash) {
        unchanged = false;
        return;
      }
    }
  });
  std::optional<QemuExtraction> x = deserializeExtraction(payload, migrated_only);
  rehash.join();
  if (!unchanged) return std::nullopt;
  return x;
}

void ScanCache::store(const std::string &key, const std::vector<FileDigest> &inputs, const QemuExtraction &x,
                      std::vector<Diagnostic> &diagnostics) const {
  if (dir_.empty()) return;
  ByteWriter w;
  w.str(kExtractorVersion).str(key).u64(inputs.size());
  for (const auto &f : inputs) w.str(f.path).u64(f.hash);
  w.str(serializeExtraction(x));
  std::string entry = kMagic + w.take();

  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::path final_path = entryPath(key);
  fs::path tmp = final_path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(entry.data(), static_cast<std::streamsize>(entry.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      diagnostics.push_back({dir_.string(), "cannot write the scan cache (next run parses again)"});
      return;
    }
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    diagnostics.push_back({dir_.string(), "cannot write the scan cache: " + ec.message()});
  }
}

std::string serializeExtraction(const QemuExtraction &x) {
  ByteWriter w(/*intern=*/true);
  w.str(x.release);
  w.u64(x.definitions.size());
  for (const auto &d : x.definitions) putDefinition(w, d);
  w.u64(x.models.size());
  for (const auto &m : x.models) putModel(w, m);
  putDiagnostics(w, x.diagnostics);
  w.strings(x.files);
  w.u64(x.stats.files_parsed).u64(x.stats.files_with_errors);
  return w.take();
}

std::optional<QemuExtraction> deserializeExtraction(std::string_view bytes, bool migrated_only) {
  std::vector<std::string> table;
  ByteReader r = ByteReader::interned(bytes, table);
  QemuExtraction x;
  x.release = r.str();
  x.definitions.resize(r.count());
  for (auto &d : x.definitions) d = getDefinition(r);
  x.models.resize(r.count());
  for (auto &m : x.models) m = getModel(r, migrated_only);
  x.diagnostics = getDiagnostics(r);
  x.files = r.strings();
  x.stats.files_parsed = static_cast<std::size_t>(r.u64());
  x.stats.files_with_errors = static_cast<std::size_t>(r.u64());
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return x;
}

}  // namespace regcompat::extract::qemu
