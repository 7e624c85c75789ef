// Encoding, decoding and text forms of register indexes. Bit layouts:
// include/uapi/linux/kvm.h (KVM_REG_ARCH_MASK, KVM_REG_SIZE_*),
// arch/arm64/include/uapi/asm/kvm.h (KVM_REG_ARM_*), QEMU
// target/arm/kvm-consts.h and cpregs.h (arm32 ids with the NS bit),
// arch/x86/include/uapi/asm/kvm.h (KVM_X86_REG_TYPE_MSR).
#include "regcompat/register_id.h"

#include "regcompat/hex_format.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

namespace regcompat {
namespace {

constexpr std::uint64_t kArchMask = 0xff00000000000000ULL;
constexpr std::uint64_t kArchArm64 = 0x6000000000000000ULL;
constexpr std::uint64_t kArchArm32 = 0x4000000000000000ULL;
constexpr std::uint64_t kArchX86 = 0x2000000000000000ULL;
constexpr unsigned kSizeShift = 52;
constexpr std::uint64_t kSizeMask = 0x00f0000000000000ULL;
constexpr unsigned kGroupShift = 16;
constexpr std::uint64_t kGroupMask = 0x000000000fff0000ULL;

// arm64 groups (KVM_REG_ARM_*_SHIFT-free values).
constexpr unsigned kGroupCore = 0x10, kGroupDemux = 0x11, kGroupSysreg = 0x13,
                   kGroupFw = 0x14, kGroupSve = 0x15, kGroupFwBmap = 0x16;

// arm32 (QEMU): NS flag at bit 29, CRn 14..11, CRm 10..7, opc1 6..3, opc2 2..0.
constexpr std::uint64_t kArm32Ns = 1ULL << 29;

// x86: KVM_X86_REG_TYPE_MSR in bits 39..32.
constexpr std::uint64_t kX86TypeMsr = 2ULL << 32;

// KVM_REG_SIZE_U<n>: log2(bytes) in bits 55..52.
constexpr std::uint64_t sizeCode(unsigned bits) {
  unsigned code = 0;
  for (unsigned b = 8; b < bits; b <<= 1) ++code;
  return static_cast<std::uint64_t>(code) << kSizeShift;
}
unsigned sizeBitsOf(std::uint64_t index) {
  return 8u << ((index & kSizeMask) >> kSizeShift);
}
unsigned groupOf(std::uint64_t index) {
  return static_cast<unsigned>((index & kGroupMask) >> kGroupShift);
}
unsigned bits(std::uint64_t v, unsigned hi, unsigned lo) {
  return static_cast<unsigned>((v >> lo) & ((1ULL << (hi - lo + 1)) - 1));
}


Error badIndex(std::uint64_t index, const std::string &why) {
  return fail("invalid register index " + hexIndex(index) + ": " + why);
}

// Rejects bits outside `allowed` with a message naming them.
std::optional<Error> strayBits(std::uint64_t index, std::uint64_t allowed,
                               const char *family) {
  const std::uint64_t stray = index & ~allowed;
  if (stray == 0) return std::nullopt;
  return badIndex(index, std::string("bits ") + hexValue(stray) +
                             " are not part of a " + family + " index");
}

// SVE offsets inside the group (KVM_REG_ARM64_SVE_*_BASE).
constexpr unsigned kSveZBase = 0x000, kSvePBase = 0x400, kSveFfrBase = 0x600,
                   kSveVls = 0xffff;

Result<Family> classify(std::uint64_t index) {
  const std::uint64_t arch = index & kArchMask;
  const unsigned size = sizeBitsOf(index);
  if (arch == kArchArm64) {
    const unsigned group = groupOf(index);
    const std::uint64_t common = kArchMask | kSizeMask | kGroupMask;
    auto need = [&](unsigned want, const char *what) -> std::optional<Error> {
      if (size != want)
        return badIndex(index, std::string(what) + " registers are " +
                                   std::to_string(want) + "-bit, size field says " +
                                   std::to_string(size));
      return std::nullopt;
    };
    switch (group) {
    case kGroupCore: {
      if (auto e = strayBits(index, common | 0xffff, "arm64 core")) return *e;
      if (size != 32 && size != 64 && size != 128)
        return badIndex(index, "core register size must be 32, 64 or 128 bits, not " +
                                   std::to_string(size));
      return Family::Arm64Core;
    }
    case kGroupDemux: {
      if (auto e = strayBits(index, common | 0xffff, "arm64 demux")) return *e;
      if (auto e = need(32, "demux")) return *e;
      return Family::Arm64Demux;
    }
    case kGroupSysreg: {
      if (auto e = strayBits(index, common | 0xffff, "arm64 system register")) return *e;
      if (auto e = need(64, "system")) return *e;
      return Family::Arm64Sysreg;
    }
    case kGroupFw:
    case kGroupFwBmap: {
      if (auto e = strayBits(index, common | 0xffff, "arm64 firmware")) return *e;
      if (auto e = need(64, "firmware")) return *e;
      return group == kGroupFw ? Family::Arm64Firmware : Family::Arm64FirmwareBitmap;
    }
    case kGroupSve: {
      if (auto e = strayBits(index, common | 0xffff, "arm64 SVE")) return *e;
      const unsigned low = bits(index, 15, 0);
      if (low == kSveVls) {
        if (auto e = need(512, "SVE VLS")) return *e;
      } else if (low < kSvePBase) {
        if (auto e = need(2048, "SVE Z")) return *e;
      } else if (low < kSveFfrBase) {
        if (auto e = need(256, "SVE P")) return *e;
      } else if (low < kSveFfrBase + 32) {
        if (auto e = need(256, "SVE FFR")) return *e;
      } else {
        return badIndex(index, "unknown SVE register offset " + hexValue(low));
      }
      return Family::Arm64Sve;
    }
    default:
      return badIndex(index, "unknown arm64 register group " + hexValue(group));
    }
  }
  if (arch == kArchArm32) {
    const unsigned cp = groupOf(index);
    if (cp > 15)
      return badIndex(index, "arm32 coprocessor number " + std::to_string(cp) +
                                 " is out of range 0..15");
    if (size == 32) {
      // opc1 is 3 bits for 32-bit (MRC/MCR) registers: bit 6 is never set.
      if (auto e = strayBits(index, kArchMask | kSizeMask | kGroupMask | kArm32Ns | 0x7fbf,
                             "arm32 32-bit coprocessor"))
        return *e;
      return Family::Arm32Cp32;
    }
    if (size == 64) {
      // 64-bit (MCRR) registers carry CRm and opc1 only.
      if (auto e = strayBits(index, kArchMask | kSizeMask | kGroupMask | kArm32Ns | 0x07f8,
                             "arm32 64-bit coprocessor"))
        return *e;
      return Family::Arm32Cp64;
    }
    return badIndex(index, "arm32 coprocessor registers are 32- or 64-bit, size field says " +
                               std::to_string(size));
  }
  if (arch == kArchX86) {
    if ((index & 0x000000ff00000000ULL) != kX86TypeMsr)
      return badIndex(index, "x86 index type " + hexValue(bits(index, 39, 32)) +
                                 " is not KVM_X86_REG_TYPE_MSR (2)");
    if (auto e = strayBits(index, kArchMask | kSizeMask | 0x000000ffffffffffULL, "x86 MSR"))
      return *e;
    if (size != 64) return badIndex(index, "x86 MSR indexes are 64-bit");
    return Family::X86Msr;
  }
  return badIndex(index, "unknown architecture byte " + hexValue(index >> 56) +
                             " (0x60 arm64, 0x40 arm32, 0x20 x86)");
}

// --- text parsing helpers -------------------------------------------------

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a whole unsigned number: decimal, or hex with 0x.
std::optional<std::uint64_t> number(std::string_view s) {
  s = trim(s);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "c5" / "C5" -> 5
std::optional<std::uint64_t> cnumber(std::string_view s) {
  s = trim(s);
  if (s.empty() || (s[0] != 'c' && s[0] != 'C')) return std::nullopt;
  return number(s.substr(1));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool startsWithI(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

Error badText(std::string_view text, const std::string &why) {
  return fail("cannot parse register '" + std::string(text) + "': " + why);
}

Result<RegisterId> parseSysreg(std::string_view text) {
  // S<op0>_<op1>_C<n>_C<m>_<op2>
  auto parts = split(text.substr(1), '_');
  if (parts.size() != 5) return badText(text, "expected S<op0>_<op1>_C<n>_C<m>_<op2>");
  auto op0 = number(parts[0]), op1 = number(parts[1]), crn = cnumber(parts[2]),
       crm = cnumber(parts[3]), op2 = number(parts[4]);
  if (!op0 || !op1 || !crn || !crm || !op2)
    return badText(text, "expected S<op0>_<op1>_C<n>_C<m>_<op2>");
  return RegisterId::encode(Arm64SysregFields{static_cast<unsigned>(*op0), static_cast<unsigned>(*op1),
                                              static_cast<unsigned>(*crn), static_cast<unsigned>(*crm),
                                              static_cast<unsigned>(*op2)});
}

Result<RegisterId> parseCoproc(std::string_view text) {
  // p<cp>,<opc1>,c<n>,c<m>,<opc2>[,ns]  or  p<cp>,<opc1>,c<m>[,ns]
  auto parts = split(text, ',');
  bool ns = false;
  if (!parts.empty() && iequals(trim(parts.back()), "ns")) {
    ns = true;
    parts.pop_back();
  }
  const char *usage = "expected p<cp>,<opc1>,c<n>,c<m>,<opc2>[,ns] or p<cp>,<opc1>,c<m>[,ns]";
  if (parts.size() != 5 && parts.size() != 3) return badText(text, usage);
  auto cp = number(trim(parts[0]).substr(1));
  auto opc1 = number(parts[1]);
  if (!cp || !opc1) return badText(text, usage);
  Arm32CoprocFields f;
  f.cp = static_cast<unsigned>(*cp);
  f.opc1 = static_cast<unsigned>(*opc1);
  f.ns = ns;
  if (parts.size() == 3) {
    auto crm = cnumber(parts[2]);
    if (!crm) return badText(text, usage);
    f.is64 = true;
    f.crm = static_cast<unsigned>(*crm);
  } else {
    auto crn = cnumber(parts[2]), crm = cnumber(parts[3]), opc2 = number(parts[4]);
    if (!crn || !crm || !opc2) return badText(text, usage);
    f.crn = static_cast<unsigned>(*crn);
    f.crm = static_cast<unsigned>(*crm);
    f.opc2 = static_cast<unsigned>(*opc2);
  }
  return RegisterId::encode(f);
}

Result<RegisterId> parseSve(std::string_view text) {
  std::string_view rest = text.substr(4);
  if (iequals(rest, "vls")) return RegisterId::encode(Arm64SveFields{Arm64SveFields::Kind::Vls, 0, 0});
  const char *usage = "expected sve:z<n>.<slice>, sve:p<n>.<slice>, sve:ffr.<slice> or sve:vls";
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return badText(text, usage);
  std::string_view reg = rest.substr(0, dot);
  auto slice = number(rest.substr(dot + 1));
  if (!slice) return badText(text, usage);
  Arm64SveFields f;
  f.slice = static_cast<unsigned>(*slice);
  if (iequals(reg, "ffr")) {
    f.kind = Arm64SveFields::Kind::Ffr;
  } else if (!reg.empty() && (reg[0] == 'z' || reg[0] == 'Z' || reg[0] == 'p' || reg[0] == 'P')) {
    f.kind = (reg[0] == 'z' || reg[0] == 'Z') ? Arm64SveFields::Kind::Z : Arm64SveFields::Kind::P;
    auto n = number(reg.substr(1));
    if (!n) return badText(text, usage);
    f.n = static_cast<unsigned>(*n);
  } else {
    return badText(text, usage);
  }
  return RegisterId::encode(f);
}

std::optional<unsigned> narrow(std::optional<std::uint64_t> v) {
  if (!v || *v > 0xffffffffULL) return std::nullopt;
  return static_cast<unsigned>(*v);
}

} // namespace

Result<RegisterId> RegisterId::fromIndex(std::uint64_t index) {
  auto family = classify(index);
  if (!family) return Error{family.error()};
  return RegisterId(index);
}

Result<RegisterId> RegisterId::encode(const RegisterFields &fields) {
  auto range = [](const char *name, unsigned v, unsigned max) -> std::optional<Error> {
    if (v > max)
      return fail(std::string("register field ") + name + "=" + std::to_string(v) +
                  " is out of range 0.." + std::to_string(max));
    return std::nullopt;
  };
  std::uint64_t index = 0;
  if (auto *s = std::get_if<Arm64SysregFields>(&fields)) {
    for (auto e : {range("op0", s->op0, 3), range("op1", s->op1, 7), range("crn", s->crn, 15),
                   range("crm", s->crm, 15), range("op2", s->op2, 7)})
      if (e) return *e;
    index = kArchArm64 | sizeCode(64) | (std::uint64_t{kGroupSysreg} << kGroupShift) |
            (s->op0 << 14) | (s->op1 << 11) | (s->crn << 7) | (s->crm << 3) | s->op2;
  } else if (auto *c = std::get_if<Arm64CoreFields>(&fields)) {
    if (auto e = range("offset", c->offset, 0xffff)) return *e;
    if (c->size_bits != 32 && c->size_bits != 64 && c->size_bits != 128)
      return fail("core register size must be 32, 64 or 128 bits, not " +
                  std::to_string(c->size_bits));
    index = kArchArm64 | sizeCode(c->size_bits) | (std::uint64_t{kGroupCore} << kGroupShift) |
            c->offset;
  } else if (auto *d = std::get_if<Arm64DemuxFields>(&fields)) {
    if (auto e = range("id", d->id, 0xff)) return *e;
    if (auto e = range("value", d->value, 0xff)) return *e;
    index = kArchArm64 | sizeCode(32) | (std::uint64_t{kGroupDemux} << kGroupShift) |
            (d->id << 8) | d->value;
  } else if (auto *f = std::get_if<Arm64FirmwareFields>(&fields)) {
    if (auto e = range("number", f->number, 0xffff)) return *e;
    index = kArchArm64 | sizeCode(64) |
            (std::uint64_t{f->bitmap ? kGroupFwBmap : kGroupFw} << kGroupShift) | f->number;
  } else if (auto *v = std::get_if<Arm64SveFields>(&fields)) {
    if (auto e = range("slice", v->slice, 31)) return *e;
    std::uint64_t low = 0;
    unsigned size = 0;
    switch (v->kind) {
    case Arm64SveFields::Kind::Z:
      if (auto e = range("n", v->n, 31)) return *e;
      low = kSveZBase | (v->n << 5) | v->slice;
      size = 2048;
      break;
    case Arm64SveFields::Kind::P:
      if (auto e = range("n", v->n, 15)) return *e;
      low = kSvePBase | (v->n << 5) | v->slice;
      size = 256;
      break;
    case Arm64SveFields::Kind::Ffr:
      low = kSveFfrBase | v->slice;
      size = 256;
      break;
    case Arm64SveFields::Kind::Vls:
      low = kSveVls;
      size = 512;
      break;
    }
    index = kArchArm64 | sizeCode(size) | (std::uint64_t{kGroupSve} << kGroupShift) | low;
  } else if (auto *a = std::get_if<Arm32CoprocFields>(&fields)) {
    for (auto e : {range("cp", a->cp, 15), range("opc1", a->opc1, 15), range("crm", a->crm, 15)})
      if (e) return *e;
    index = kArchArm32 | (std::uint64_t{a->cp} << kGroupShift) | (a->ns ? kArm32Ns : 0) |
            (a->crm << 7);
    if (a->is64) {
      if (a->crn != 0 || a->opc2 != 0)
        return fail("64-bit coprocessor registers have no crn/opc2 (got crn=" +
                    std::to_string(a->crn) + ", opc2=" + std::to_string(a->opc2) + ")");
      index |= sizeCode(64) | (a->opc1 << 3);
    } else {
      for (auto e : {range("opc1", a->opc1, 7), range("crn", a->crn, 15), range("opc2", a->opc2, 7)})
        if (e) return *e;
      index |= sizeCode(32) | (a->crn << 11) | (a->opc1 << 3) | a->opc2;
    }
  } else if (auto *m = std::get_if<X86MsrFields>(&fields)) {
    index = kArchX86 | sizeCode(64) | kX86TypeMsr | m->msr;
  }
  return fromIndex(index);
}

Arch RegisterId::arch() const {
  switch (index_ & kArchMask) {
  case kArchArm64: return Arch::Arm64;
  case kArchArm32: return Arch::Arm32;
  default: return Arch::X86;
  }
}

Family RegisterId::family() const {
  auto f = classify(index_);
  // A RegisterId is only ever built from a validated index.
  return f ? f.value() : Family::Arm64Sysreg;
}

unsigned RegisterId::sizeBits() const { return sizeBitsOf(index_); }

RegisterFields RegisterId::fields() const {
  const std::uint64_t i = index_;
  switch (family()) {
  case Family::Arm64Sysreg:
    return Arm64SysregFields{bits(i, 15, 14), bits(i, 13, 11), bits(i, 10, 7), bits(i, 6, 3),
                             bits(i, 2, 0)};
  case Family::Arm64Core:
    return Arm64CoreFields{bits(i, 15, 0), sizeBits()};
  case Family::Arm64Demux:
    return Arm64DemuxFields{bits(i, 15, 8), bits(i, 7, 0)};
  case Family::Arm64Firmware:
  case Family::Arm64FirmwareBitmap:
    return Arm64FirmwareFields{family() == Family::Arm64FirmwareBitmap, bits(i, 15, 0)};
  case Family::Arm64Sve: {
    const unsigned low = bits(i, 15, 0);
    if (low == kSveVls) return Arm64SveFields{Arm64SveFields::Kind::Vls, 0, 0};
    if (low >= kSveFfrBase) return Arm64SveFields{Arm64SveFields::Kind::Ffr, 0, low & 31};
    if (low >= kSvePBase) return Arm64SveFields{Arm64SveFields::Kind::P, (low >> 5) & 15, low & 31};
    return Arm64SveFields{Arm64SveFields::Kind::Z, (low >> 5) & 31, low & 31};
  }
  case Family::Arm32Cp32:
    return Arm32CoprocFields{groupOf(i), false, (i & kArm32Ns) != 0, bits(i, 6, 3),
                             bits(i, 14, 11), bits(i, 10, 7), bits(i, 2, 0)};
  case Family::Arm32Cp64:
    return Arm32CoprocFields{groupOf(i), true, (i & kArm32Ns) != 0, bits(i, 6, 3), 0,
                             bits(i, 10, 7), 0};
  case Family::X86Msr:
    return X86MsrFields{static_cast<std::uint32_t>(i & 0xffffffffULL)};
  }
  return X86MsrFields{};
}

std::string RegisterId::hex() const { return hexIndex(index_); }

std::string RegisterId::toText() const {
  const RegisterFields f = fields();
  if (auto *s = std::get_if<Arm64SysregFields>(&f))
    return "S" + std::to_string(s->op0) + "_" + std::to_string(s->op1) + "_C" +
           std::to_string(s->crn) + "_C" + std::to_string(s->crm) + "_" + std::to_string(s->op2);
  if (auto *c = std::get_if<Arm64CoreFields>(&f))
    return "core:" + hexValue(c->offset) + "/" + std::to_string(c->size_bits);
  if (auto *d = std::get_if<Arm64DemuxFields>(&f)) {
    if (d->id == 0) return "ccsidr:" + std::to_string(d->value);
    return "demux:" + std::to_string(d->id) + ":" + std::to_string(d->value);
  }
  if (auto *w = std::get_if<Arm64FirmwareFields>(&f))
    return std::string(w->bitmap ? "fw-bmap:" : "fw:") + std::to_string(w->number);
  if (auto *v = std::get_if<Arm64SveFields>(&f)) {
    switch (v->kind) {
    case Arm64SveFields::Kind::Z: return "sve:z" + std::to_string(v->n) + "." + std::to_string(v->slice);
    case Arm64SveFields::Kind::P: return "sve:p" + std::to_string(v->n) + "." + std::to_string(v->slice);
    case Arm64SveFields::Kind::Ffr: return "sve:ffr." + std::to_string(v->slice);
    case Arm64SveFields::Kind::Vls: return "sve:vls";
    }
  }
  if (auto *a = std::get_if<Arm32CoprocFields>(&f)) {
    std::string s = "p" + std::to_string(a->cp) + "," + std::to_string(a->opc1) + ",";
    if (a->is64)
      s += "c" + std::to_string(a->crm);
    else
      s += "c" + std::to_string(a->crn) + ",c" + std::to_string(a->crm) + "," +
           std::to_string(a->opc2);
    if (a->ns) s += ",ns";
    return s;
  }
  if (auto *m = std::get_if<X86MsrFields>(&f)) return "MSR " + hexValue(m->msr);
  return hex();
}

Result<RegisterId> RegisterId::parse(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return badText(text, "empty");
  if (startsWithI(t, "0x")) {
    auto v = number(t);
    if (!v || t.size() > 18) return badText(text, "not a 64-bit hex number");
    return fromIndex(*v);
  }
  if ((t[0] == 'S' || t[0] == 's') && t.size() > 1 && t[1] >= '0' && t[1] <= '3')
    return parseSysreg(t);
  if ((t[0] == 'p' || t[0] == 'P') && t.find(',') != std::string_view::npos) return parseCoproc(t);
  if (startsWithI(t, "msr")) {
    std::string_view rest = trim(t.substr(3));
    if (!rest.empty() && rest[0] == ':') rest = trim(rest.substr(1));
    auto v = number(rest);
    if (!v || *v > 0xffffffffULL) return badText(text, "expected MSR <32-bit number>");
    return encode(X86MsrFields{static_cast<std::uint32_t>(*v)});
  }
  if (startsWithI(t, "core:")) {
    auto parts = split(t.substr(5), '/');
    auto off = parts.size() == 2 ? narrow(number(parts[0])) : std::nullopt;
    auto size = parts.size() == 2 ? narrow(number(parts[1])) : std::nullopt;
    if (!off || !size) return badText(text, "expected core:<offset>/<bits>");
    return encode(Arm64CoreFields{*off, *size});
  }
  if (startsWithI(t, "fw-bmap:") || startsWithI(t, "fw:")) {
    const bool bmap = startsWithI(t, "fw-bmap:");
    auto n = narrow(number(t.substr(bmap ? 8 : 3)));
    if (!n) return badText(text, "expected fw:<n> or fw-bmap:<n>");
    return encode(Arm64FirmwareFields{bmap, *n});
  }
  if (startsWithI(t, "ccsidr:")) {
    auto n = narrow(number(t.substr(7)));
    if (!n) return badText(text, "expected ccsidr:<csselr>");
    return encode(Arm64DemuxFields{0, *n});
  }
  if (startsWithI(t, "demux:")) {
    auto parts = split(t.substr(6), ':');
    auto id = parts.size() == 2 ? narrow(number(parts[0])) : std::nullopt;
    auto val = parts.size() == 2 ? narrow(number(parts[1])) : std::nullopt;
    if (!id || !val) return badText(text, "expected demux:<id>:<value>");
    return encode(Arm64DemuxFields{*id, *val});
  }
  if (startsWithI(t, "sve:")) return parseSve(t);
  return badText(text, "not a hex index, S<op0>_<op1>_C<n>_C<m>_<op2>, p<cp>,..., MSR <n>, "
                       "core:, fw:, fw-bmap:, ccsidr:, demux: or sve: form");
}

std::string_view toString(Arch arch) {
  switch (arch) {
  case Arch::Arm64: return "arm64";
  case Arch::Arm32: return "arm32";
  case Arch::X86: return "x86_64";
  }
  return "?";
}

std::string_view toString(Family family) {
  switch (family) {
  case Family::Arm64Core: return "core";
  case Family::Arm64Demux: return "demux";
  case Family::Arm64Sysreg: return "sysreg";
  case Family::Arm64Firmware: return "fw";
  case Family::Arm64FirmwareBitmap: return "fw-bmap";
  case Family::Arm64Sve: return "sve";
  case Family::Arm32Cp32: return "cp32";
  case Family::Arm32Cp64: return "cp64";
  case Family::X86Msr: return "msr";
  }
  return "?";
}

} // namespace regcompat
