#include "expander.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <utility>

namespace regcompat::extract::qemu {

namespace {
// target/arm/cpregs.h (10.2) / cpu.h (7.2): CP_REG_AA64_SHIFT 28,
// CP_REG_AA32_NS_SHIFT 29, CP_REG_ARM64_SYSREG (0x13 << 16); kvm-consts.h
// CP_REG_ARM64 / CP_REG_ARM / CP_REG_SIZE_U32 / CP_REG_SIZE_U64.
constexpr std::uint32_t kAa64Mask = 1u << 28;
constexpr std::uint32_t kNsMask = 1u << 29;
constexpr std::uint32_t kArm64Sysreg = 0x13u << 16;
constexpr std::uint64_t kArm64 = 0x6000000000000000ULL;
constexpr std::uint64_t kArm = 0x4000000000000000ULL;
constexpr std::uint64_t kSizeU32 = 0x0020000000000000ULL;
constexpr std::uint64_t kSizeU64 = 0x0030000000000000ULL;
}  // namespace

std::uint32_t encodeAa32Key(std::uint64_t cp, bool is64, bool ns, std::uint64_t crn,
                            std::uint64_t crm, std::uint64_t opc1, std::uint64_t opc2) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(ns) << 29) | (cp << 16) |
                                    (static_cast<std::uint64_t>(is64) << 15) | (crn << 11) |
                                    (crm << 7) | (opc1 << 3) | opc2);
}

std::uint32_t encodeAa64Key(std::uint64_t op0, std::uint64_t op1, std::uint64_t crn,
                            std::uint64_t crm, std::uint64_t op2) {
  return static_cast<std::uint32_t>(kAa64Mask | kArm64Sysreg | (op0 << 14) | (op1 << 11) |
                                    (crn << 7) | (crm << 3) | op2);
}

std::uint64_t cpregToKvmId(std::uint32_t key) {
  // target/arm/cpu.h (7.2) cpreg_to_kvm_id()
  if (key & kAa64Mask) return (key & ~kAa64Mask) | kSizeU64 | kArm64;
  std::uint64_t id = key & ~(1u << 15);
  return id | ((key & (1u << 15)) ? kSizeU64 : kSizeU32) | kArm;
}

Expander::Expander(const CpConstants &constants, CpuView cpu)
    : k_(constants), cpu_(std::move(cpu)) {}

void Expander::define(const CpRegDef &def) {
  const auto &k = k_;
  if (def.state != k.state_aa32 && def.state != k.state_aa64 && def.state != k.state_both) {
    problems_.push_back(def.where + ": " + def.name + ": state " + std::to_string(def.state) +
                        " is not AA32, AA64 or BOTH");
    return;
  }
  auto range = [&](std::uint64_t v, std::uint64_t max) {
    return v == k.cp_any ? std::pair<std::uint64_t, std::uint64_t>{0, max}
                         : std::pair<std::uint64_t, std::uint64_t>{v, v};
  };
  auto [crmmin, crmmax] = range(def.crm, 15);
  auto [opc1min, opc1max] = range(def.opc1, 7);
  auto [opc2min, opc2max] = range(def.opc2, 7);
  if (crmmax > 15 || opc1max > 7 || opc2max > 7 || def.crn > 15 || def.opc0 > 3) {
    problems_.push_back(def.where + ": " + def.name + ": field out of range");
    return;
  }

  CpRegInstance base;
  base.name = def.name;
  base.type = def.type;
  base.resetvalue = def.resetvalue;
  base.resetvalue_known = def.resetvalue_known;
  base.where = def.where;
  base.guard = def.guard;
  bool banked = def.bank0 && def.bank1;
  bool made_const = false;

  // Registers not present because their EL is missing (helper.c, 7.2
  // add_cpreg_to_hashtable / 10.2 define_one_arm_cp_reg).
  if (cpu_.el3()) {
    unsigned min_el = def.access ? static_cast<unsigned>(std::countr_zero(
                                       static_cast<std::uint32_t>(def.access))) / 2
                                 : 16;
    if (min_el == 2 && !cpu_.el2()) {
      if (def.type & k.el3_no_el2_undef) return;
      if (!(def.type & k.el3_no_el2_keep)) {
        base.type = (def.type & ~k.special_mask) | k.const_;
        if (!(def.type & k.el3_no_el2_c_nz)) {
          base.resetvalue = 0;
          base.resetvalue_known = true;
        }
        banked = false;
        made_const = true;
      }
    }
  } else {
    std::uint64_t max_el = cpu_.el2() ? k.pl2_rw : k.pl1_rw;
    if ((def.access & max_el) == 0) return;
  }

  CpRegDef d = def;
  d.bank0 = d.bank1 = banked;
  d.made_const = made_const;
  const bool aa32 = def.state == k.state_aa32 || def.state == k.state_both;
  const bool aa64 = def.state == k.state_aa64 || def.state == k.state_both;
  for (std::uint64_t crm = crmmin; crm <= crmmax; ++crm) {
    for (std::uint64_t opc1 = opc1min; opc1 <= opc1max; ++opc1) {
      for (std::uint64_t opc2 = opc2min; opc2 <= opc2max; ++opc2) {
        CpRegInstance r = base;
        if (crm != crmmin || opc1 != opc1min || opc2 != opc2min) r.type |= k.alias | k.no_gdb;
        if (aa32) {
          std::uint64_t cp = def.cp;
          if (def.state == k.state_both && cp == 0) cp = 15;
          // The AArch64 view below needs the instance too.
          addAa32(aa64 ? CpRegInstance(r) : std::move(r), d, cp, crm, opc1, opc2);
        }
        if (aa64) addAa64(std::move(r), d, crm, opc1, opc2);
      }
    }
  }
}

void Expander::addAa32(CpRegInstance r, const CpRegDef &def, std::uint64_t cp, std::uint64_t crm,
                       std::uint64_t opc1, std::uint64_t opc2) {
  bool is64 = (def.type & k_.bit64) != 0;
  std::uint32_t key = encodeAa32Key(cp, is64, false, def.crn, crm, opc1, opc2);
  if (def.secure == k_.secstate_ns || def.secure == k_.secstate_s) {
    r.key = key | (def.secure == k_.secstate_ns ? kNsMask : 0);
    add(std::move(r), def, true, def.secure);
  } else {
    CpRegInstance s = r;
    s.name += "_S";
    s.key = key;
    add(std::move(s), def, true, k_.secstate_s);
    r.key = key | kNsMask;
    add(std::move(r), def, true, k_.secstate_ns);
  }
}

// QEMU names a BOTH-state definition once, usually in its AArch32 form
// ("SCTLR", "VBAR", "CNTKCTL"); its AArch64 view is SCTLR_EL1 and so on in
// the Arm ARM. The view gets the suffix of the lowest Exception level its op1
// gives access from (Arm ARM D18.2.1 "op1": 0-2 and 7 EL1, 3 EL0, 4 and 5 EL2,
// 6 EL3) unless QEMU's name already carries one.
static std::string aa64ViewName(const std::string &name, std::uint64_t opc1) {
  const auto el = name.rfind("_EL");
  if (el != std::string::npos && el + 3 < name.size() &&
      std::isdigit(static_cast<unsigned char>(name[el + 3])))
    return name;
  static constexpr char kElOfOp1[8] = {'1', '1', '1', '0', '2', '2', '3', '1'};
  return name + "_EL" + kElOfOp1[opc1 & 7];
}

void Expander::addAa64(CpRegInstance r, const CpRegDef &def, std::uint64_t crm, std::uint64_t opc1,
                       std::uint64_t opc2) {
  if (def.state == k_.state_both) r.name = aa64ViewName(r.name, opc1);
  std::uint32_t key = encodeAa64Key(def.opc0, opc1, def.crn, crm, opc2);
  if (k_.add_tlbi_nxs && (r.type & k_.add_tlbi_nxs) && cpu_.xs && cpu_.xs()) {
    CpRegInstance nxs = r;
    nxs.name += "NXS";
    nxs.key = key + (1u << 7);
    add(std::move(nxs), def, false, k_.secstate_ns);
  }
  if (def.vhe_redir_to_el01 && cpu_.el2() && cpu_.vh && cpu_.vh()) {
    CpRegInstance r2 = r;
    r2.name += "2";
    r2.type |= k_.alias | k_.no_raw;
    r2.key = static_cast<std::uint32_t>(def.vhe_redir_to_el01);
    add(std::move(r2), def, false, k_.secstate_ns);
  }
  r.key = key;
  add(std::move(r), def, false, k_.secstate_ns);
}

void Expander::add(CpRegInstance r, const CpRegDef &def, bool aa32, std::uint64_t secstate) {
  bool ns = (secstate & k_.secstate_ns) != 0;
  bool banked = def.bank0 && def.bank1;
  if (aa32 && !(def.made_const && k_.make_const_skips_bank_rules)) {
    if (banked) {
      if ((def.state == k_.state_both && ns) || (cpu_.v8() && !ns)) r.type |= k_.alias;
    } else if (secstate != def.secure && !ns) {
      r.type |= k_.alias;
    }
  }
  if (r.type & k_.special_mask) r.type |= k_.no_raw;
  const std::uint32_t key = r.key;
  table_.insert_or_assign(key, std::move(r));
}

bool Expander::isMigrated(const CpRegInstance &r) const {
  return !(r.type & (k_.no_raw | k_.alias));
}

std::vector<const CpRegInstance *> Expander::migrated() const {
  std::vector<const CpRegInstance *> out;
  for (const auto &[key, r] : table_) {
    if (isMigrated(r)) out.push_back(&r);
  }
  std::sort(out.begin(), out.end(), [](const CpRegInstance *a, const CpRegInstance *b) {
    return cpregToKvmId(a->key) < cpregToKvmId(b->key);
  });
  return out;
}

std::vector<std::string> Expander::flagNames(std::uint64_t type) const {
  std::vector<std::string> out;
  std::uint64_t special = type & k_.special_mask;
  if (special) {
    auto it = k_.special_names.find(special);
    out.push_back(it != k_.special_names.end() ? it->second : "special");
  }
  for (const auto &[bit, name] : k_.flag_names) {
    if ((bit & k_.special_mask) == 0 && (type & bit)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace regcompat::extract::qemu
