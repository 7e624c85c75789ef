// Expander: QEMU's rules that turn ARMCPRegInfo definitions into the
// register hash table of one CPU and, from it, the list on the migration
// stream. No Clang here: the interpreter hands in evaluated field values.
//
// Upstream behaviour reproduced (cite: QEMU 7.2 target/arm/helper.c
// define_one_arm_cp_reg_with_opaque() ~8831, add_cpreg_to_hashtable() ~8634,
// add_cpreg_to_list() ~199; QEMU 10.2 target/arm/helper.c
// define_one_arm_cp_reg() ~7700, add_cpreg_to_hashtable{,_aa32,_aa64}()
// ~7549-7760, add_cpreg_to_list() ~233):
//  * crm/opc1/opc2 == CP_ANY expand to every value; all but the first
//    instance get ALIAS|NO_GDB.
//  * state BOTH gives an AArch32 view (cp 15 when .cp == 0) and an AArch64 one.
//  * AArch32 .secure == SECSTATE_BOTH gives a Secure "<name>_S" copy and the
//    NS one; banked registers (both bank_fieldoffsets) are ALIAS in their
//    AArch32 NS view when the definition is BOTH, and in their Secure view
//    on v8 CPUs; unbanked registers are ALIAS in a non-matching Secure view.
//  * Without EL3: registers not accessible at EL1 (EL2 with EL2) are dropped.
//    With EL3 but no EL2: EL2 registers become CONST (RES0 unless
//    EL3_NO_EL2_C_NZ) or are dropped (EL3_NO_EL2_UNDEF), unless
//    EL3_NO_EL2_KEEP.
//  * Special types (NOP, WFI, ...) get NO_RAW.
//  * 10.x: ADD_TLBI_NXS adds an "<name>NXS" instruction at CRn+1 when the
//    CPU has FEAT_XS; vhe_redir_to_el01 adds an ALIAS|NO_RAW "<name>2" (_EL12).
//  * Later definitions of a key replace earlier ones (ARM_CP_OVERRIDE).
//  * The stream carries every key whose type has neither NO_RAW nor ALIAS,
//    as cpreg_to_kvm_id(key), sorted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace regcompat::extract::qemu {

// ARM_CP_* values of one QEMU release, read from its cpregs.h enums (they
// move between releases). Defaults are QEMU 7.2's.
struct CpConstants {
  std::uint64_t special_mask = 0x000f;
  std::uint64_t nop = 0x0001;
  std::uint64_t const_ = 1u << 4;
  std::uint64_t bit64 = 1u << 5;
  std::uint64_t override_ = 1u << 7;
  std::uint64_t alias = 1u << 8;
  std::uint64_t no_raw = 1u << 10;
  std::uint64_t no_gdb = 1u << 15;
  std::uint64_t el3_no_el2_undef = 1u << 16;
  std::uint64_t el3_no_el2_keep = 1u << 17;
  std::uint64_t el3_no_el2_c_nz = 1u << 18;
  std::uint64_t add_tlbi_nxs = 0;  // 10.x only
  std::uint64_t state_aa32 = 0, state_aa64 = 1, state_both = 2;
  std::uint64_t secstate_both = 0, secstate_s = 1, secstate_ns = 2;
  std::uint64_t pl1_rw = 0xfc;  // PL1_R|PL1_W (each includes the higher ELs)
  std::uint64_t pl2_rw = 0xf0;
  std::uint64_t cp_any = 0xff;
  // 7.2: a register made CONST for a missing EL2 skips the AArch32 banking
  // rules (they sit in the else branch); 10.x applies them to the copy.
  bool make_const_skips_bank_rules = true;
  // Names of the type bits and special values (lower-case, without ARM_CP_).
  std::map<std::uint64_t, std::string> flag_names;     // single bits
  std::map<std::uint64_t, std::string> special_names;  // values under special_mask
};

// One ARMCPRegInfo, fields evaluated.
struct CpRegDef {
  std::string name;
  std::uint64_t cp = 0, crn = 0, crm = 0, opc0 = 0, opc1 = 0, opc2 = 0;
  std::uint64_t state = 0, type = 0, access = 0, secure = 0;
  std::uint64_t resetvalue = 0;
  bool resetvalue_known = true;
  bool fieldoffset = false;  // nonzero .fieldoffset
  bool bank0 = false, bank1 = false;
  std::uint64_t vhe_redir_to_el01 = 0;  // 10.x
  std::string where;
  std::string guard;
  bool made_const = false;  // set by the Expander (EL3 without EL2)
};

// What the Expander needs to know about the CPU being built.
struct CpuView {
  std::function<bool()> el2, el3, v8;
  std::function<bool()> xs;       // cpu_isar_feature(aa64_xs)
  std::function<bool()> vh;       // cpu_isar_feature(aa64_vh)
};

struct CpRegInstance {
  std::uint32_t key = 0;
  std::string name;
  std::uint64_t type = 0;
  std::uint64_t resetvalue = 0;
  bool resetvalue_known = true;
  std::string where;
  std::string guard;
};

// QEMU's internal key encodings (target/arm/cpregs.h / cpu.h ENCODE_*).
std::uint32_t encodeAa32Key(std::uint64_t cp, bool is64, bool ns, std::uint64_t crn,
                            std::uint64_t crm, std::uint64_t opc1, std::uint64_t opc2);
std::uint32_t encodeAa64Key(std::uint64_t op0, std::uint64_t op1, std::uint64_t crn,
                            std::uint64_t crm, std::uint64_t op2);
// cpreg_to_kvm_id()
std::uint64_t cpregToKvmId(std::uint32_t key);

class Expander {
 public:
  Expander(const CpConstants &constants, CpuView cpu);

  // define_one_arm_cp_reg(); problems (broken definitions) go to `problems`.
  void define(const CpRegDef &def);

  const std::map<std::uint32_t, CpRegInstance> &table() const { return table_; }
  // Every instance that goes on the stream, sorted by KVM index.
  std::vector<const CpRegInstance *> migrated() const;
  bool isMigrated(const CpRegInstance &r) const;
  std::vector<std::string> flagNames(std::uint64_t type) const;
  const std::vector<std::string> &problems() const { return problems_; }

 private:
  void addAa32(CpRegInstance r, const CpRegDef &def, std::uint64_t cp, std::uint64_t crm,
               std::uint64_t opc1, std::uint64_t opc2);
  void addAa64(CpRegInstance r, const CpRegDef &def, std::uint64_t crm, std::uint64_t opc1,
               std::uint64_t opc2);
  void add(CpRegInstance r, const CpRegDef &def, bool aa32, std::uint64_t secstate);

  CpConstants k_;
  CpuView cpu_;
  std::map<std::uint32_t, CpRegInstance> table_;
  std::vector<std::string> problems_;
};

}  // namespace regcompat::extract::qemu
