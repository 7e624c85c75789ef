// A small interpreter for the C that builds a QEMU ARM CPU: QOM type
// registration, instance init (the model's init function: features, ID
// register values), the machine's CPU properties, realize (feature
// implications, register_cp_regs_for_features() and its helpers). Every
// define_arm_cp_regs()-style call goes to the Expander, which applies QEMU's
// expansion rules. Expressions are evaluated from the AST; Clang's constant
// evaluator is used first, so macros, enum constants and ORed flags are
// evaluated exactly as the compiler does.
//
// What is not modelled returns "unknown": functions without a body in the
// parsed files (timers, QOM properties, error reporting), function pointers
// that are not set, floating point. A condition that depends on an unknown
// value takes neither branch and is counted (CpuModelSet::unknown_conditions).
#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>
#include <clang/AST/Stmt.h>
#include <clang/Lex/Lexer.h>
#include <llvm/ADT/DenseMap.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "ast_index.h"

namespace regcompat::extract::qemu {

using namespace clang;

namespace {

struct Obj;
struct Arr;

struct Value {
  enum class K : std::uint8_t { Unknown, Int, Str, Obj, Arr, Ptr, Func, Null };
  K k = K::Unknown;
  std::uint64_t i = 0;
  std::shared_ptr<std::string> s;
  std::shared_ptr<Obj> obj;
  std::shared_ptr<Arr> arr;
  std::int64_t off = 0;
  Value *ptr = nullptr;
  const FunctionDecl *fn = nullptr;
  bool embedded = false;  // a struct/array stored inline (copied by value)

  static Value integer(std::uint64_t v) {
    Value x;
    x.k = K::Int;
    x.i = v;
    return x;
  }
  static Value str(std::string v) {
    Value x;
    x.k = K::Str;
    x.s = std::make_shared<std::string>(std::move(v));
    return x;
  }
  static Value null() {
    Value x;
    x.k = K::Null;
    return x;
  }
  bool known() const { return k != K::Unknown; }
};

struct Obj {
  std::map<std::string, Value> fields;
  std::string where;  // InitListExpr location, for ARMCPRegInfo
  // For a qdev Property: the ARMCPU field its offsetof() names.
  std::string property_field;
};
struct Arr {
  std::vector<Value> elems;
};

enum class Flow { Normal, Break, Continue, Return, Abort };

struct Frame {
  std::map<const VarDecl *, std::shared_ptr<Value>> locals;
  Value ret;
};

struct TypeEntry {
  std::string name, parent;
  Value info;  // the TypeInfo object
};

std::string fieldKey(const FieldDecl *f) {
  if (f->getIdentifier() && !f->getName().empty()) return f->getNameAsString();
  return "#" + std::to_string(f->getFieldIndex());
}

class Interpreter {
 public:
  explicit Interpreter(const AstIndex &index) : index_(index) {}

  // --- model driver -------------------------------------------------------
  void registerTypes() {
    for (const auto &[name, fd] : index_.functions) {
      if (name.rfind(kTypeInitPrefix, 0) == 0) callFunction(fd, {});
    }
  }

  std::vector<std::pair<std::string, const TypeEntry *>> cpuModels() const {
    std::vector<std::pair<std::string, const TypeEntry *>> out;
    for (const auto &[name, t] : types_) {
      Value cd = field(t.info, "class_data");
      if (cd.k != Value::K::Obj) continue;
      Value model = field(cd, "name");
      Value init = field(cd, "initfn");
      if (model.k == Value::K::Str && init.k == Value::K::Func) out.push_back({*model.s, &t});
    }
    return out;
  }

  CpuModelSet buildModel(const std::string &model, const TypeEntry &leaf,
                         const std::map<std::string, std::uint64_t> &props) {
    CpuModelSet set;
    set.model = model;
    set.type_name = leaf.name;
    Value cd = field(leaf.info, "class_data");
    Value init = field(cd, "initfn");
    if (init.k == Value::K::Func) {
      set.init_function = init.fn->getNameAsString();
      set.where = index_.where(init.fn->getASTContext(), init.fn->getLocation());
    }
    globals_.clear();
    unknown_conditions_ = 0;
    steps_ = 0;  // the budget is per model: models may be built in any order
    // What the previous model's frames and temporaries left is unreachable
    // now (its CPU object and globals are gone); what registration left stays.
    if (!registered_) {
      registered_ = true;
      registration_graveyard_ = graveyard_.size();
      registration_temps_ = temps_.size();
    }
    graveyard_.resize(registration_graveyard_);
    temps_.resize(registration_temps_);
    cpu_ = makeObj();
    cls_ = makeObj();
    cls_.obj->fields["info"] = cd;
    expander_.reset();
    cur_model_ = model;

    // Instance init, root type first (qom/object.c object_init_with_type),
    // then post-init, leaf first.
    std::vector<const TypeEntry *> chain;
    for (const TypeEntry *t = &leaf; t;) {
      chain.push_back(t);
      auto it = types_.find(t->parent);
      t = it == types_.end() ? nullptr : &it->second;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      Value f = field((*it)->info, "instance_init");
      if (f.k == Value::K::Func) callFunction(f.fn, {cpu_});
    }
    for (const TypeEntry *t : chain) {
      Value f = field(t->info, "instance_post_init");
      if (f.k == Value::K::Func) callFunction(f.fn, {cpu_});
    }
    // The machine's CPU properties.
    for (const auto &[k, v] : props) cpu_.obj->fields[k] = Value::integer(v);
    // Realize.
    const FunctionDecl *realize = index_.function("arm_cpu_realizefn", nullptr);
    if (!realize) {
      set.diagnostics.push_back({"", "arm_cpu_realizefn not found: cannot realize the CPU"});
    } else {
      ensureExpander();
      callFunction(realize, {cpu_, Value::null()});
    }
    ensureExpander();
    if (expander_->table().empty())
      set.diagnostics.push_back({set.where, "realize defined no registers (an early return?)"});

    // Results, sorted by index (sorting the instances, not the results:
    // a CpuRegister is large to move).
    std::vector<std::pair<std::uint64_t, const CpRegInstance *>> order;
    order.reserve(expander_->table().size());
    for (const auto &[key, r] : expander_->table()) order.emplace_back(cpregToKvmId(key), &r);
    std::sort(order.begin(), order.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    set.registers.reserve(order.size());
    for (const auto &[index, r] : order) {
      CpuRegister &out = set.registers.emplace_back();
      out.key = r->key;
      out.index = index;
      out.name = r->name;
      out.type = r->type;
      out.flags = flagNames(r->type);
      out.migrated = expander_->isMigrated(*r);
      out.is_const = (r->type & index_.constants.const_) != 0;
      if (out.is_const && r->resetvalue_known) out.value = r->resetvalue;
      out.where = r->where;
      out.guard = r->guard;
    }
    for (const auto &p : expander_->problems()) set.diagnostics.push_back({"", p});
    Value env = field(cpu_, "env");
    Value feats = field(env, "features");
    if (feature_bits_.empty()) feature_bits_ = featureBits();
    for (const auto &[name, bit] : feature_bits_) {
      if (feats.k == Value::K::Int && bit < 64 && (feats.i >> bit) & 1) set.features.push_back(name);
    }
    Value isar = field(cpu_, "isar");
    if (isar.k == Value::K::Obj) {
      for (const auto &[k, v] : isar.obj->fields)
        if (v.k == Value::K::Int) set.id_registers[k] = v.i;
    }
    set.unknown_conditions = unknown_conditions_;
    for (auto &d : model_diags_) set.diagnostics.push_back(d);
    model_diags_.clear();
    return set;
  }

 private:
  // --- helpers ---------------------------------------------------------------
  static Value makeObj() {
    Value v;
    v.k = Value::K::Obj;
    v.obj = std::make_shared<Obj>();
    return v;
  }

  static Value field(const Value &o, const std::string &name) {
    if (o.k != Value::K::Obj) return {};
    auto it = o.obj->fields.find(name);
    return it == o.obj->fields.end() ? Value{} : it->second;
  }

  // Expander::flagNames(), once per distinct type: it depends on the
  // release's constants only, and the same types recur in every model.
  const std::vector<std::string> &flagNames(std::uint64_t type) {
    auto it = flag_names_.find(type);
    if (it == flag_names_.end()) it = flag_names_.emplace(type, expander_->flagNames(type)).first;
    return it->second;
  }

  std::map<std::string, std::uint64_t> featureBits() const {
    std::map<std::string, std::uint64_t> out;
    for (const Unit &u : index_.units) {
      for (const Decl *d : u.ast->getASTContext().getTranslationUnitDecl()->decls()) {
        const auto *ed = dyn_cast<EnumDecl>(d);
        if (!ed) continue;
        for (const EnumConstantDecl *ec : ed->enumerators()) {
          std::string n = ec->getNameAsString();
          if (n.rfind("ARM_FEATURE_", 0) == 0) out[n] = ec->getInitVal().getZExtValue();
        }
      }
      if (!out.empty()) break;
    }
    return out;
  }

  void note(const ASTContext &ctx, SourceLocation loc, const std::string &msg) {
    if (model_diags_.size() < 200) model_diags_.push_back({index_.where(ctx, loc), msg});
  }

  void ensureExpander() {
    if (expander_) return;
    // The Expander asks at every register: the bits are looked up once.
    CpuView view;
    view.el2 = [this, bit = featureBit("ARM_FEATURE_EL2")] { return hasFeature(bit); };
    view.el3 = [this, bit = featureBit("ARM_FEATURE_EL3")] { return hasFeature(bit); };
    view.v8 = [this, bit = featureBit("ARM_FEATURE_V8")] { return hasFeature(bit); };
    view.xs = [this] { return isar("aa64_xs"); };
    view.vh = [this] { return isar("aa64_vh"); };
    expander_ = std::make_unique<Expander>(index_.constants, view);
  }

  std::optional<std::uint64_t> featureBit(const std::string &name) {
    if (feature_bits_.empty()) feature_bits_ = featureBits();
    auto it = feature_bits_.find(name);
    if (it == feature_bits_.end()) return std::nullopt;
    return it->second;
  }

  // arm_feature(env, bit) on the CPU being built.
  bool hasFeature(std::optional<std::uint64_t> bit) const {
    if (!bit || cpu_.k != Value::K::Obj) return false;
    auto env = cpu_.obj->fields.find("env");
    if (env == cpu_.obj->fields.end() || env->second.k != Value::K::Obj) return false;
    auto feats = env->second.obj->fields.find("features");
    if (feats == env->second.obj->fields.end()) return false;
    return feats->second.k == Value::K::Int && ((feats->second.i >> *bit) & 1);
  }

  bool isar(const std::string &name) {
    const FunctionDecl *fd = isarFunction(name);
    if (!fd) return false;
    Value r = callFunction(fd, {field(cpu_, "isar")});
    return r.k == Value::K::Int && r.i != 0;
  }

  // isar_feature_<name>(): the first definition with a body, in unit order.
  // Indexed as the units are first searched: the Expander asks for aa64_xs
  // and aa64_vh at AArch64 registers of every model, and the functions are
  // static inline in a header, so not in AstIndex::functions.
  const FunctionDecl *isarFunction(const std::string &name) {
    for (;;) {
      if (auto it = isar_functions_.find(name); it != isar_functions_.end()) return it->second;
      if (isar_units_searched_ == index_.units.size()) return nullptr;
      const Unit &u = index_.units[isar_units_searched_++];
      for (const Decl *d : u.ast->getASTContext().getTranslationUnitDecl()->decls()) {
        const auto *f = dyn_cast<FunctionDecl>(d);
        if (f && f->getIdentifier() && f->getName().startswith(kIsarFeaturePrefix) && f->doesThisDeclarationHaveABody())
          isar_functions_.emplace(f->getName().drop_front(std::strlen(kIsarFeaturePrefix)).str(), f);
      }
    }
  }

  const ASTContext &ctxOf(const Decl *d) const { return d->getASTContext(); }

  // Value of type `t` for a fresh (zeroed) object.
  Value defaultValue(const ASTContext &ctx, QualType t) {
    t = t.getCanonicalType();
    if (t->isRecordType()) {
      Value v = makeObj();
      v.embedded = true;
      return v;
    }
    if (const auto *cat = dyn_cast<ConstantArrayType>(t.getTypePtr())) {
      Value v;
      v.k = Value::K::Arr;
      v.arr = std::make_shared<Arr>();
      std::uint64_t n = cat->getSize().getZExtValue();
      if (n > 4096) n = 4096;
      for (std::uint64_t j = 0; j < n; ++j) v.arr->elems.push_back(defaultValue(ctx, cat->getElementType()));
      v.embedded = true;
      return v;
    }
    if (t->isPointerType()) return Value::null();
    return Value::integer(0);
  }

  // fieldKey(), once per field: objects are keyed by field name, and
  // building the name is an allocation at every member access.
  const std::string &keyOf(const FieldDecl *f) {
    auto [it, fresh] = field_keys_.try_emplace(f);
    if (fresh) {
      std::lock_guard<std::mutex> lock(index_.clang_mu);  // getFieldIndex() caches
      it->second = fieldKey(f);
    }
    return it->second;
  }

  // Lazily materialized field of an object.
  Value *fieldRef(Value &base, const FieldDecl *f) {
    if (base.k != Value::K::Obj) return nullptr;
    const std::string &key = keyOf(f);
    auto it = base.obj->fields.find(key);
    if (it == base.obj->fields.end())
      it = base.obj->fields.emplace(key, defaultValue(f->getASTContext(), f->getType())).first;
    return &it->second;
  }

  Value deepCopy(const Value &v) {
    if (v.k == Value::K::Obj && v.obj) {
      Value c = v;
      c.obj = std::make_shared<Obj>(*v.obj);
      for (auto &[k, f] : c.obj->fields)
        if (f.embedded) f = deepCopy(f);
      return c;
    }
    if (v.k == Value::K::Arr && v.arr && v.embedded) {
      Value c = v;
      c.arr = std::make_shared<Arr>(*v.arr);
      for (auto &e : c.arr->elems)
        if (e.embedded) e = deepCopy(e);
      return c;
    }
    return v;
  }

  // Conversion to an integer type (truncation, sign extension) or bool.
  Value convert(const ASTContext &ctx, Value v, QualType t) {
    t = t.getCanonicalType();
    if (t->isBooleanType()) {
      if (v.k == Value::K::Int) return Value::integer(v.i != 0);
      if (v.k == Value::K::Null) return Value::integer(0);
      if (v.k == Value::K::Str || v.k == Value::K::Obj || v.k == Value::K::Func || v.k == Value::K::Ptr)
        return Value::integer(1);
      return {};
    }
    if (t->isIntegerType() || t->isEnumeralType()) {
      if (v.k == Value::K::Null) return Value::integer(0);
      if (v.k != Value::K::Int) return v.k == Value::K::Unknown ? v : Value{};
      std::uint64_t bits = typeSize(ctx, t);
      if (bits < 64) {
        std::uint64_t mask = (1ULL << bits) - 1;
        std::uint64_t x = v.i & mask;
        if (t->isSignedIntegerOrEnumerationType() && (x >> (bits - 1)) & 1) x |= ~mask;
        return Value::integer(x);
      }
      return v;
    }
    if (t->isPointerType() && v.k == Value::K::Int && v.i == 0) return Value::null();
    return v;
  }

  static bool isSigned(QualType t) { return t.getCanonicalType()->isSignedIntegerOrEnumerationType(); }

  // --- function calls ------------------------------------------------------
  const FunctionDecl *resolve(const FunctionDecl *fd) {
    if (!fd) return nullptr;
    if (const FunctionDecl *def = fd->getDefinition(); def && def->hasBody()) return def;
    return index_.function(fd->getNameAsString(), &fd->getASTContext());
  }

  Value callFunction(const FunctionDecl *fd, std::vector<Value> args, const CallExpr *site = nullptr) {
    std::string name = fd->getNameAsString();
    if (auto native = callNative(name, args, site, fd)) return *native;
    const FunctionDecl *def = resolve(fd);
    if (!def || !def->hasBody()) return {};
    if (depth_ > 64 || steps_ > 50'000'000) return {};
    ++depth_;
    Frame frame;
    const ASTContext &ctx = def->getASTContext();
    const ASTContext *saved_ctx = cur_ctx_;
    cur_ctx_ = &ctx;
    for (unsigned j = 0; j < def->getNumParams(); ++j) {
      const ParmVarDecl *p = def->getParamDecl(j);
      Value a = j < args.size() ? args[j] : Value{};
      if (p->getType()->isRecordType()) a = deepCopy(a);
      frame.locals[p] = std::make_shared<Value>(convert(ctx, a, p->getType()));
    }
    frames_.push_back(&frame);
    exec(def->getBody(), frame);
    frames_.pop_back();
    cur_ctx_ = saved_ctx;
    --depth_;
    for (auto &[vd, slot] : frame.locals) graveyard_.push_back(slot);
    return frame.ret;
  }

  std::optional<Value> callNative(const std::string &name, std::vector<Value> &args, const CallExpr *site,
                                  const FunctionDecl *fd) {
    auto arg = [&](std::size_t j) { return j < args.size() ? args[j] : Value{}; };
    if (name == "define_arm_cp_regs_with_opaque_len" || name == "define_arm_cp_regs_len") {
      Value regs = arg(1);
      Value len = name == "define_arm_cp_regs_len" ? arg(2) : arg(3);
      if (regs.k != Value::K::Arr || len.k != Value::K::Int) {
        if (site) note(fd->getASTContext(), site->getBeginLoc(), "define_arm_cp_regs: table not evaluated");
        return Value{};
      }
      for (std::uint64_t j = 0; j < len.i; ++j) {
        std::size_t at = static_cast<std::size_t>(regs.off) + j;
        if (at < regs.arr->elems.size()) defineOne(regs.arr->elems[at], site, fd);
      }
      return Value{};
    }
    if (name == "define_arm_cp_regs_with_opaque") {  // older: sentinel-terminated
      Value regs = arg(1);
      if (regs.k != Value::K::Arr) return Value{};
      for (std::size_t at = static_cast<std::size_t>(regs.off); at < regs.arr->elems.size(); ++at) {
        Value t = field(regs.arr->elems[at], "type");
        if (t.k == Value::K::Int && t.i == 0xffff) break;
        defineOne(regs.arr->elems[at], site, fd);
      }
      return Value{};
    }
    if (name == "define_one_arm_cp_reg_with_opaque" || name == "define_one_arm_cp_reg") {
      Value r = arg(1);
      if (r.k == Value::K::Arr && static_cast<std::size_t>(r.off) < r.arr->elems.size())
        r = r.arr->elems[static_cast<std::size_t>(r.off)];
      defineOne(r, site, fd);
      return Value{};
    }
    if (name == "g_strdup_printf" || name == "g_strdup" || name == "g_strconcat") {
      if (name == "g_strdup") return arg(0);
      if (name == "g_strconcat") {
        std::string s;
        for (auto &a : args) {
          if (a.k == Value::K::Null) break;
          if (a.k != Value::K::Str) return Value{};
          s += *a.s;
        }
        return Value::str(s);
      }
      return format(args);
    }
    if (name == "strcmp") {
      if (arg(0).k == Value::K::Str && arg(1).k == Value::K::Str)
        return Value::integer(static_cast<std::uint64_t>(static_cast<std::int64_t>(arg(0).s->compare(*arg(1).s))));
      return Value{};
    }
    if (name == "object_dynamic_cast_assert" || name == "object_class_dynamic_cast_assert" ||
        name == "object_dynamic_cast" || name == "object_class_dynamic_cast")
      return arg(0);
    if (name == "object_get_class") return cls_;
    // container_of(env, ArchCPU, env): there is one CPU object.
    if (name == "env_archcpu" || name == "env_cpu" || name == "arm_env_get_cpu") return cpu_;
    if (name == "register_module_init") {
      if (arg(0).k == Value::K::Func) callFunction(arg(0).fn, {});
      return Value{};
    }
    if (name == "type_register" || name == "type_register_static") {
      registerType(arg(0));
      return Value{};
    }
    if (name == "type_register_static_array") {
      Value a = arg(0);
      if (a.k == Value::K::Arr && arg(1).k == Value::K::Int)
        for (std::uint64_t j = 0; j < arg(1).i; ++j)
          if (static_cast<std::size_t>(a.off) + j < a.arr->elems.size())
            registerType(a.arr->elems[static_cast<std::size_t>(a.off + static_cast<std::int64_t>(j))]);
      return Value{};
    }
    if (name == "qdev_property_add_static") {
      propertyDefault(arg(1));
      return Value{};
    }
    if (name == "init_cpreg_list" || name == "arm_init_cpreg_list" || name == "qemu_init_vcpu" ||
        name == "cpu_reset" || name == "arm_cpu_register_gdb_regs_for_features" ||
        name == "arm_register_el_change_hook" || name == "arm_register_pre_el_change_hook" ||
        name == "g_free" || name == "abort" || name == "__assert_fail" || name == "exit" ||
        name == "g_assertion_message_expr")
      return Value{};
    if (name == "__builtin_expect") return arg(0);
    if (name == "__builtin_ctz" || name == "__builtin_ctzll" || name == "__builtin_ctzl") {
      if (arg(0).k != Value::K::Int || arg(0).i == 0) return Value{};
      std::uint64_t x = arg(0).i;
      if (name == "__builtin_ctz") x &= 0xffffffffu;
      return Value::integer(static_cast<std::uint64_t>(__builtin_ctzll(x)));
    }
    if (name == "__builtin_clz" || name == "__builtin_clzll" || name == "__builtin_clzl") {
      if (arg(0).k != Value::K::Int) return Value{};
      std::uint64_t x = arg(0).i;
      if (name == "__builtin_clz") {
        x &= 0xffffffffu;
        return x ? Value::integer(static_cast<std::uint64_t>(__builtin_clz(static_cast<unsigned>(x)))) : Value{};
      }
      return x ? Value::integer(static_cast<std::uint64_t>(__builtin_clzll(x))) : Value{};
    }
    if (name == "__builtin_popcount" || name == "__builtin_popcountll" || name == "__builtin_popcountl") {
      if (arg(0).k != Value::K::Int) return Value{};
      return Value::integer(static_cast<std::uint64_t>(__builtin_popcountll(arg(0).i)));
    }
    return std::nullopt;
  }

  void registerType(const Value &info) {
    if (info.k != Value::K::Obj) return;
    Value n = field(info, "name");
    if (n.k != Value::K::Str) return;
    TypeEntry t;
    t.name = *n.s;
    Value p = field(info, "parent");
    if (p.k == Value::K::Str) t.parent = *p.s;
    t.info = deepCopy(info);
    types_[t.name] = std::move(t);
  }

  // qdev_property_add_static(): apply the Property's default to the field its
  // offsetof() names (hw/core/qdev-properties.c).
  void propertyDefault(const Value &prop) {
    if (prop.k != Value::K::Obj) return;
    Value set_default = field(prop, "set_default");
    const std::string &cpu_field = prop.obj->property_field;
    if (cpu_field.empty()) return;
    if (set_default.k == Value::K::Int && set_default.i == 0) return;
    Value defval = field(prop, "defval");
    Value u = field(defval, "u");
    if (u.k == Value::K::Int) cpu_.obj->fields[cpu_field] = u;
  }

  Value format(const std::vector<Value> &args) {
    if (args.empty() || args[0].k != Value::K::Str) return {};
    const std::string &f = *args[0].s;
    std::string out;
    std::size_t a = 1;
    for (std::size_t j = 0; j < f.size(); ++j) {
      if (f[j] != '%') {
        out += f[j];
        continue;
      }
      std::size_t k = j + 1;
      std::string spec = "%";
      while (k < f.size() && std::string("-+ #0123456789.").find(f[k]) != std::string::npos) spec += f[k++];
      while (k < f.size() && std::string("hlLqjzt").find(f[k]) != std::string::npos) ++k;
      if (k >= f.size()) break;
      char conv = f[k];
      j = k;
      if (conv == '%') {
        out += '%';
        continue;
      }
      if (a >= args.size()) return {};
      const Value &v = args[a++];
      if (conv == 's') {
        if (v.k != Value::K::Str) return {};
        out += *v.s;
      } else if (std::string("diuxXo").find(conv) != std::string::npos) {
        if (v.k != Value::K::Int) return {};
        bool zero = spec.size() > 1 && spec[1] == '0';
        std::size_t width = 0;
        for (char c : spec)
          if (c >= '0' && c <= '9') width = width * 10 + static_cast<std::size_t>(c - '0');
        std::string digits;
        std::uint64_t x = v.i;
        bool neg = false;
        if ((conv == 'd' || conv == 'i') && static_cast<std::int64_t>(x) < 0) {
          neg = true;
          x = 0 - x;
        }
        unsigned base = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : 10;
        const char *alphabet = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do {
          digits.insert(digits.begin(), alphabet[x % base]);
          x /= base;
        } while (x);
        if (neg) digits.insert(digits.begin(), '-');
        while (digits.size() < width) digits.insert(digits.begin(), zero ? '0' : ' ');
        out += digits;
      } else {
        return {};
      }
    }
    return Value::str(out);
  }

  void defineOne(const Value &r, const CallExpr *site, const FunctionDecl *fd) {
    ensureExpander();
    if (r.k != Value::K::Obj) {
      if (site) note(fd->getASTContext(), site->getBeginLoc(), "register definition not evaluated");
      return;
    }
    CpRegDef d;
    Value name = field(r, "name");
    d.name = name.k == Value::K::Str ? *name.s : "?";
    auto num = [&](const char *f, std::uint64_t &dst) {
      Value v = field(r, f);
      if (v.k == Value::K::Int) {
        dst = v.i;
        return true;
      }
      if (v.k == Value::K::Null || v.k == Value::K::Unknown) {
        dst = 0;
        return v.k == Value::K::Null || !r.obj->fields.count(f);
      }
      dst = 0;
      return true;
    };
    num("cp", d.cp);
    num("crn", d.crn);
    num("crm", d.crm);
    num("opc0", d.opc0);
    num("opc1", d.opc1);
    num("opc2", d.opc2);
    num("state", d.state);
    num("type", d.type);
    num("access", d.access);
    num("secure", d.secure);
    d.resetvalue_known = num("resetvalue", d.resetvalue);
    num("vhe_redir_to_el01", d.vhe_redir_to_el01);
    std::uint64_t fo = 0;
    num("fieldoffset", fo);
    d.fieldoffset = fo != 0;
    Value banks = field(r, "bank_fieldoffsets");
    if (banks.k == Value::K::Arr && banks.arr->elems.size() >= 2) {
      d.bank0 = banks.arr->elems[0].k == Value::K::Int && banks.arr->elems[0].i != 0;
      d.bank1 = banks.arr->elems[1].k == Value::K::Int && banks.arr->elems[1].i != 0;
    }
    d.where = r.obj->where;
    if (auto it = index_.guard_by_where.find(d.where); it != index_.guard_by_where.end()) d.guard = it->second;
    if (d.guard.empty() || d.guard == "?") {
      if (auto it = index_.define_call_guards.find(site); it != index_.define_call_guards.end()) d.guard = it->second;
    }
    if (!d.resetvalue_known)
      note(fd->getASTContext(), site ? site->getBeginLoc() : fd->getLocation(),
           d.name + ": reset value not evaluated");
    expander_->define(d);
  }

  // --- statements ------------------------------------------------------------
  Flow exec(const Stmt *s, Frame &f) {
    if (!s) return Flow::Normal;
    if (++steps_ > 50'000'000) return Flow::Abort;
    switch (s->getStmtClass()) {
      case Stmt::CompoundStmtClass:
        for (const Stmt *c : cast<CompoundStmt>(s)->body()) {
          Flow fl = exec(c, f);
          if (fl != Flow::Normal) return fl;
        }
        return Flow::Normal;
      case Stmt::DeclStmtClass:
        for (const Decl *d : cast<DeclStmt>(s)->decls()) {
          const auto *vd = dyn_cast<VarDecl>(d);
          if (!vd) continue;
          const ASTContext &ctx = vd->getASTContext();
          if (vd->isStaticLocal()) {
            globalSlot(vd);
            continue;
          }
          Value v;
          if (vd->getInit()) {
            v = eval(vd->getInit(), f);
            if (vd->getType()->isRecordType() || vd->getType()->isArrayType()) {
              v = deepCopy(v);
              v.embedded = true;
            }
            v = convert(ctx, v, vd->getType());
          } else {
            v = defaultValue(ctx, vd->getType());
            if (!vd->getType()->isRecordType() && !vd->getType()->isArrayType()) v = Value{};
          }
          f.locals[vd] = std::make_shared<Value>(v);
        }
        return Flow::Normal;
      case Stmt::IfStmtClass: {
        const auto *i = cast<IfStmt>(s);
        auto c = truth(i->getCond(), f);
        if (!c) {
          ++unknown_conditions_;
          note(ctxOfStmt(), i->getIfLoc(), "condition not decided: " + text(i->getCond()));
          return Flow::Normal;
        }
        return *c ? exec(i->getThen(), f) : exec(i->getElse(), f);
      }
      case Stmt::ForStmtClass: {
        const auto *fs = cast<ForStmt>(s);
        exec(fs->getInit(), f);
        for (int n = 0; n < 100000; ++n) {
          if (fs->getCond()) {
            auto c = truth(fs->getCond(), f);
            if (!c) {
              ++unknown_conditions_;
              note(ctxOfStmt(), fs->getForLoc(), "loop condition not decided: " + text(fs->getCond()));
              return Flow::Normal;
            }
            if (!*c) break;
          }
          Flow fl = exec(fs->getBody(), f);
          if (fl == Flow::Break) break;
          if (fl == Flow::Return || fl == Flow::Abort) return fl;
          if (fs->getInc()) eval(fs->getInc(), f);
        }
        return Flow::Normal;
      }
      case Stmt::WhileStmtClass: {
        const auto *ws = cast<WhileStmt>(s);
        for (int n = 0; n < 100000; ++n) {
          auto c = truth(ws->getCond(), f);
          if (!c) {
            ++unknown_conditions_;
            return Flow::Normal;
          }
          if (!*c) break;
          Flow fl = exec(ws->getBody(), f);
          if (fl == Flow::Break) break;
          if (fl == Flow::Return || fl == Flow::Abort) return fl;
        }
        return Flow::Normal;
      }
      case Stmt::DoStmtClass: {
        const auto *ds = cast<DoStmt>(s);
        for (int n = 0; n < 100000; ++n) {
          Flow fl = exec(ds->getBody(), f);
          if (fl == Flow::Break) break;
          if (fl == Flow::Return || fl == Flow::Abort) return fl;
          auto c = truth(ds->getCond(), f);
          if (!c || !*c) break;
        }
        return Flow::Normal;
      }
      case Stmt::SwitchStmtClass: {
        const auto *ss = cast<SwitchStmt>(s);
        Value v = eval(ss->getCond(), f);
        if (v.k != Value::K::Int) {
          ++unknown_conditions_;
          return Flow::Normal;
        }
        const auto *body = dyn_cast_or_null<CompoundStmt>(ss->getBody());
        if (!body) return Flow::Normal;
        std::vector<const Stmt *> items(body->body_begin(), body->body_end());
        std::size_t start = items.size();
        const ASTContext &ctx = ctxOfStmt();
        for (std::size_t j = 0; j < items.size() && start == items.size(); ++j) {
          for (const Stmt *c = items[j]; c;) {
            if (const auto *cs = dyn_cast<CaseStmt>(c)) {
              if (auto lo = caseValue(cs, ctx); lo && *lo == v.i) start = j;
              c = cs->getSubStmt();
            } else {
              break;
            }
          }
        }
        if (start == items.size()) {
          for (std::size_t j = 0; j < items.size(); ++j)
            if (isa<DefaultStmt>(items[j])) start = j;
        }
        for (std::size_t j = start; j < items.size(); ++j) {
          Flow fl = exec(items[j], f);
          if (fl == Flow::Break) break;
          if (fl != Flow::Normal) return fl;
        }
        return Flow::Normal;
      }
      case Stmt::CaseStmtClass:
        return exec(cast<CaseStmt>(s)->getSubStmt(), f);
      case Stmt::DefaultStmtClass:
        return exec(cast<DefaultStmt>(s)->getSubStmt(), f);
      case Stmt::LabelStmtClass:
        return exec(cast<LabelStmt>(s)->getSubStmt(), f);
      case Stmt::AttributedStmtClass:
        return exec(cast<AttributedStmt>(s)->getSubStmt(), f);
      case Stmt::BreakStmtClass:
        return Flow::Break;
      case Stmt::ContinueStmtClass:
        return Flow::Continue;
      case Stmt::ReturnStmtClass: {
        const auto *rs = cast<ReturnStmt>(s);
        if (rs->getRetValue()) f.ret = eval(rs->getRetValue(), f);
        return Flow::Return;
      }
      case Stmt::GotoStmtClass:
        return Flow::Return;  // error paths ("goto out") leave the function
      case Stmt::NullStmtClass:
        return Flow::Normal;
      default:
        if (const auto *e = dyn_cast<Expr>(s)) {
          eval(e, f);
          return Flow::Normal;
        }
        return Flow::Normal;
    }
  }

  const ASTContext &ctxOfStmt() const { return *cur_ctx_; }

  // The normalized source text of a condition, for the notes.
  const std::string &text(const Expr *e) {
    auto [it, fresh] = texts_.try_emplace(e);
    if (!fresh) return it->second;
    std::string s;
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);
      const SourceManager &sm = cur_ctx_->getSourceManager();
      CharSourceRange r = CharSourceRange::getTokenRange(sm.getExpansionRange(e->getSourceRange()).getAsRange());
      s = Lexer::getSourceText(r, sm, cur_ctx_->getLangOpts()).str();
    }
    std::string &out = it->second;
    for (char c : s) {
      if (c == '\n' || c == '\t') c = ' ';
      if (c == ' ' && !out.empty() && out.back() == ' ') continue;
      out += c;
    }
    return out;
  }

  std::optional<bool> truth(const Expr *e, Frame &f) {
    Value v = eval(e, f);
    switch (v.k) {
      case Value::K::Int: return v.i != 0;
      case Value::K::Null: return false;
      case Value::K::Str:
      case Value::K::Obj:
      case Value::K::Arr:
      case Value::K::Ptr:
      case Value::K::Func: return true;
      default: return std::nullopt;
    }
  }

  // Which global a reference names: its definition (the one with an
  // initializer, in any unit) and its slot, shared by every declaration of
  // the same variable. A static's key includes where it is defined.
  struct GlobalRef {
    const VarDecl *def = nullptr;
    std::string name;
    std::size_t slot = 0;
    bool constant = false;  // const-qualified (an array: of const elements)
  };

  const GlobalRef &globalRef(const VarDecl *vd) {
    auto [it, fresh] = global_refs_.try_emplace(vd);
    if (!fresh) return it->second;
    GlobalRef &ref = it->second;
    ref.name = vd->getNameAsString();
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);
      ref.def = vd->getDefinition() ? vd->getDefinition() : vd;
    }
    if (!ref.def->getInit() && !vd->isStaticLocal()) {
      if (const VarDecl *other = index_.global(ref.name, &vd->getASTContext())) ref.def = other;
    }
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);  // getAsArrayType() may make types
      ref.constant = ref.def->getType().isConstant(ref.def->getASTContext());
    }
    std::string key = (vd->isStaticLocal() || ref.def->getStorageClass() == SC_Static)
                          ? index_.where(ref.def->getASTContext(), ref.def->getLocation()) + ":" + ref.name
                          : ref.name;
    ref.slot = global_slots_.try_emplace(std::move(key), global_slots_.size()).first->second;
    return ref;
  }

  Value *globalSlot(const VarDecl *vd) {
    const GlobalRef &ref = globalRef(vd);
    const VarDecl *def = ref.def;
    const std::string &name = ref.name;
    if (globals_.size() <= ref.slot) globals_.resize(ref.slot + 1);
    if (globals_[ref.slot]) return globals_[ref.slot].get();
    auto slot = std::make_shared<Value>();
    globals_[ref.slot] = slot;
    // Accelerator globals (include/sysemu/*.h: tcg_allowed, kvm_allowed, ...).
    if (name == "tcg_allowed") {
      *slot = Value::integer(1);
    } else if (name == "kvm_allowed" || name == "hvf_allowed" || name == "qtest_allowed" ||
               name == "whpx_allowed" || name == "nvmm_allowed") {
      *slot = Value::integer(0);
    } else if (auto built = constant_globals_.find(ref.slot); built != constant_globals_.end()) {
      *slot = built->second;
    } else if (def->getInit()) {
      const ASTContext *saved = cur_ctx_;
      cur_ctx_ = &def->getASTContext();
      Frame tmp;
      Value v = eval(def->getInit(), tmp);
      cur_ctx_ = saved;
      if (def->getType()->isRecordType() || def->getType()->isArrayType()) v.embedded = true;
      *slot = convert(def->getASTContext(), v, def->getType());
      // A constant's initializer is a constant expression: the same in every
      // model. Its value is kept for the next models (shared, not copied: C
      // code does not write to it) when it refers to nothing a model makes.
      if (ref.constant && selfContained(*slot)) constant_globals_.emplace(ref.slot, *slot);
    } else {
      *slot = defaultValue(def->getASTContext(), def->getType());
    }
    return slot.get();
  }

  // Whether `v` holds only values and objects stored inline: no pointer to
  // a variable or to an object that lives elsewhere.
  static bool selfContained(const Value &v) {
    switch (v.k) {
      case Value::K::Ptr: return false;
      case Value::K::Obj:
        if (!v.embedded) return false;
        for (const auto &[name, f] : v.obj->fields)
          if (!selfContained(f)) return false;
        return true;
      case Value::K::Arr:
        if (!v.embedded) return false;
        for (const Value &e : v.arr->elems)
          if (!selfContained(e)) return false;
        return true;
      default: return true;
    }
  }

  // --- expressions -----------------------------------------------------------
  Value *lvalue(const Expr *e, Frame &f) {
    e = e->IgnoreParens();
    if (const auto *d = dyn_cast<DeclRefExpr>(e)) {
      const auto *vd = dyn_cast<VarDecl>(d->getDecl());
      if (!vd) return nullptr;
      auto l = f.locals.find(vd);
      if (l != f.locals.end()) return l->second.get();
      if (vd->hasGlobalStorage()) return globalSlot(vd);
      return nullptr;
    }
    if (const auto *m = dyn_cast<MemberExpr>(e)) {
      const auto *fd = dyn_cast<FieldDecl>(m->getMemberDecl());
      if (!fd) return nullptr;
      if (m->isArrow()) {
        Value base = eval(m->getBase(), f);
        if (base.k == Value::K::Ptr && base.ptr) return fieldRef(*base.ptr, fd);
        if (base.k == Value::K::Arr && base.arr && static_cast<std::size_t>(base.off) < base.arr->elems.size())
          return fieldRef(base.arr->elems[static_cast<std::size_t>(base.off)], fd);
        if (base.k != Value::K::Obj) return nullptr;
        temps_.push_back(std::make_shared<Value>(base));
        return fieldRef(*temps_.back(), fd);
      }
      Value *base = lvalue(m->getBase(), f);
      if (!base) {
        Value b = eval(m->getBase(), f);
        if (b.k != Value::K::Obj) return nullptr;
        temps_.push_back(std::make_shared<Value>(b));
        base = temps_.back().get();
      }
      return fieldRef(*base, fd);
    }
    if (const auto *a = dyn_cast<ArraySubscriptExpr>(e)) {
      Value base = eval(a->getBase(), f);
      Value idx = eval(a->getIdx(), f);
      if (base.k != Value::K::Arr || idx.k != Value::K::Int) return nullptr;
      std::int64_t at = base.off + static_cast<std::int64_t>(idx.i);
      if (at < 0 || static_cast<std::size_t>(at) >= base.arr->elems.size()) return nullptr;
      return &base.arr->elems[static_cast<std::size_t>(at)];
    }
    if (const auto *u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_Deref) {
      Value p = eval(u->getSubExpr(), f);
      if (p.k == Value::K::Ptr) return p.ptr;
      if (p.k == Value::K::Arr && static_cast<std::size_t>(p.off) < p.arr->elems.size())
        return &p.arr->elems[static_cast<std::size_t>(p.off)];
      if (p.k == Value::K::Obj) {
        temps_.push_back(std::make_shared<Value>(p));
        return temps_.back().get();
      }
      return nullptr;
    }
    if (const auto *c = dyn_cast<CompoundLiteralExpr>(e)) {
      Value v = eval(c->getInitializer(), f);
      v.embedded = true;
      temps_.push_back(std::make_shared<Value>(v));
      return temps_.back().get();
    }
    if (const auto *ic = dyn_cast<ImplicitCastExpr>(e); ic && ic->getCastKind() == CK_NoOp)
      return lvalue(ic->getSubExpr(), f);
    return nullptr;
  }

  void store(Value *dst, Value v, QualType t) {
    if (!dst) return;
    const ASTContext &ctx = *cur_ctx_;
    if (t->isRecordType()) {
      v = deepCopy(v);
      v.embedded = true;
      *dst = v;
      return;
    }
    bool emb = dst->embedded;
    *dst = convert(ctx, v, t);
    dst->embedded = emb && (dst->k == Value::K::Obj || dst->k == Value::K::Arr);
  }

  Value eval(const Expr *e, Frame &f) {
    if (!e) return {};
    const ASTContext &ctx = *cur_ctx_;
    ++steps_;
    // Constants first, exactly as the compiler evaluates them.
    if (auto c = constantValue(e, ctx)) return Value::integer(*c);
    switch (e->getStmtClass()) {
      case Stmt::ParenExprClass: return eval(cast<ParenExpr>(e)->getSubExpr(), f);
      case Stmt::ConstantExprClass: return eval(cast<ConstantExpr>(e)->getSubExpr(), f);
      case Stmt::StringLiteralClass: return Value::str(cast<StringLiteral>(e)->getString().str());
      case Stmt::PredefinedExprClass: {
        const auto *p = cast<PredefinedExpr>(e);
        return p->getFunctionName() ? Value::str(p->getFunctionName()->getString().str()) : Value{};
      }
      case Stmt::ImplicitCastExprClass:
      case Stmt::CStyleCastExprClass: {
        const auto *c = cast<CastExpr>(e);
        switch (c->getCastKind()) {
          case CK_LValueToRValue: {
            Value *p = lvalue(c->getSubExpr(), f);
            if (!p) {
              return {};
            }
            return *p;
          }
          case CK_ArrayToPointerDecay: {
            Value *p = lvalue(c->getSubExpr(), f);
            if (p) return *p;
            return eval(c->getSubExpr(), f);
          }
          case CK_FunctionToPointerDecay:
          case CK_BuiltinFnToFnPtr:
            return eval(c->getSubExpr(), f);
          case CK_ToVoid:
            eval(c->getSubExpr(), f);
            return {};
          default:
            return convert(ctx, eval(c->getSubExpr(), f), e->getType());
        }
      }
      case Stmt::DeclRefExprClass: {
        const auto *d = cast<DeclRefExpr>(e);
        if (const auto *ec = dyn_cast<EnumConstantDecl>(d->getDecl()))
          return Value::integer(static_cast<std::uint64_t>(ec->getInitVal().getExtValue()));
        if (const auto *fd = dyn_cast<FunctionDecl>(d->getDecl())) {
          Value v;
          v.k = Value::K::Func;
          v.fn = fd;
          return v;
        }
        Value *p = lvalue(e, f);
        return p ? *p : Value{};
      }
      case Stmt::MemberExprClass:
      case Stmt::ArraySubscriptExprClass:
      case Stmt::CompoundLiteralExprClass: {
        Value *p = lvalue(e, f);
        return p ? *p : Value{};
      }
      case Stmt::InitListExprClass: return initList(cast<InitListExpr>(e), f);
      case Stmt::ImplicitValueInitExprClass: return defaultValue(ctx, e->getType());
      case Stmt::UnaryOperatorClass: return unary(cast<UnaryOperator>(e), f);
      case Stmt::BinaryOperatorClass:
      case Stmt::CompoundAssignOperatorClass: return binary(cast<BinaryOperator>(e), f);
      case Stmt::ConditionalOperatorClass: {
        const auto *c = cast<ConditionalOperator>(e);
        auto cond = truth(c->getCond(), f);
        if (cond) return eval(*cond ? c->getTrueExpr() : c->getFalseExpr(), f);
        Value a = eval(c->getTrueExpr(), f), b = eval(c->getFalseExpr(), f);
        if (a.k == Value::K::Int && b.k == Value::K::Int && a.i == b.i) return a;
        return {};
      }
      case Stmt::BinaryConditionalOperatorClass: {
        const auto *c = cast<BinaryConditionalOperator>(e);
        Value common = eval(c->getCommon(), f);
        opaque_[c->getOpaqueValue()] = common;
        auto cond = truth(c->getCond(), f);
        if (!cond) return {};
        return *cond ? common : eval(c->getFalseExpr(), f);
      }
      case Stmt::OpaqueValueExprClass: {
        auto it = opaque_.find(cast<OpaqueValueExpr>(e));
        return it == opaque_.end() ? Value{} : it->second;
      }
      case Stmt::CallExprClass: return call(cast<CallExpr>(e), f);
      case Stmt::StmtExprClass: {
        const auto *se = cast<StmtExpr>(e);
        const CompoundStmt *cs = se->getSubStmt();
        Value last;
        for (const Stmt *c : cs->body()) {
          if (const auto *ex = dyn_cast<Expr>(c); ex && c == cs->body_back()) {
            last = eval(ex, f);
          } else {
            Flow fl = exec(c, f);
            if (fl != Flow::Normal) break;
          }
        }
        return last;
      }
      case Stmt::GenericSelectionExprClass: {
        const auto *g = cast<GenericSelectionExpr>(e);
        return g->isResultDependent() ? Value{} : eval(g->getResultExpr(), f);
      }
      case Stmt::ChooseExprClass: return eval(cast<ChooseExpr>(e)->getChosenSubExpr(), f);
      default: return {};
    }
  }

  // --- Clang queries ---------------------------------------------------------
  // What the interpreter asks Clang that fills caches inside the AST is asked
  // under AstIndex::clang_mu (models are built in parallel), and each answer
  // is kept: it depends on the AST alone, and every model runs the same init
  // and realize code.

  // Clang's evaluation of an integer expression as a constant, converted to
  // its type; nullopt when it is not one.
  std::optional<std::uint64_t> constantValue(const Expr *e, const ASTContext &ctx) {
    QualType t = e->getType();
    if (!t->isIntegerType() && !t->isEnumeralType()) return std::nullopt;
    if (auto it = constants_.find(e); it != constants_.end()) return it->second;
    std::optional<std::uint64_t> raw;
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);
      if (!e->isValueDependent() && !e->HasSideEffects(ctx)) {
        Expr::EvalResult r;
        if (e->EvaluateAsInt(r, ctx)) {
          const llvm::APSInt &ap = r.Val.getInt();
          raw = ap.isSigned() ? static_cast<std::uint64_t>(ap.getExtValue()) : ap.getZExtValue();
        }
      }
    }
    std::optional<std::uint64_t> out;
    if (raw) out = convert(ctx, Value::integer(*raw), t).i;
    constants_.try_emplace(e, out);
    return out;
  }

  // A case label's value.
  std::optional<std::uint64_t> caseValue(const CaseStmt *cs, const ASTContext &ctx) {
    if (auto it = case_values_.find(cs); it != case_values_.end()) return it->second;
    std::optional<std::uint64_t> out;
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);
      Expr::EvalResult r;
      if (cs->getLHS()->EvaluateAsInt(r, ctx)) {
        const llvm::APSInt &x = r.Val.getInt();
        out = x.getExtValue() >= 0 ? x.getZExtValue() : static_cast<std::uint64_t>(x.getExtValue());
      }
    }
    case_values_.try_emplace(cs, out);
    return out;
  }

  std::uint64_t typeSize(const ASTContext &ctx, QualType canonical) {
    const Type *t = canonical.getTypePtr();
    if (auto it = type_sizes_.find(t); it != type_sizes_.end()) return it->second;
    std::uint64_t bits;
    {
      std::lock_guard<std::mutex> lock(index_.clang_mu);
      bits = ctx.getTypeSize(canonical);
    }
    type_sizes_.try_emplace(t, bits);
    return bits;
  }

  // AstIndex::where() of an ARMCPRegInfo initializer.
  const std::string &whereOf(const ASTContext &ctx, const InitListExpr *ile) {
    auto [it, fresh] = wheres_.try_emplace(ile);
    if (fresh) it->second = index_.where(ctx, ile->getBeginLoc());
    return it->second;
  }

  Value initList(const InitListExpr *ile, Frame &f) {
    const ASTContext &ctx = *cur_ctx_;
    QualType t = ile->getType().getCanonicalType();
    if (const auto *at = dyn_cast<ArrayType>(t.getTypePtr())) {
      Value v;
      v.k = Value::K::Arr;
      v.arr = std::make_shared<Arr>();
      v.embedded = true;
      std::size_t n = ile->getNumInits();
      if (const auto *cat = dyn_cast<ConstantArrayType>(at)) n = std::max<std::size_t>(n, cat->getSize().getZExtValue());
      if (ile->getNumInits() == 1 && at->getElementType()->isCharType())
        return eval(ile->getInit(0), f);  // char s[] = "..."
      for (std::size_t j = 0; j < n; ++j) {
        if (j < ile->getNumInits()) {
          Value el = eval(ile->getInit(static_cast<unsigned>(j)), f);
          if (at->getElementType()->isRecordType() || at->getElementType()->isArrayType()) el.embedded = true;
          v.arr->elems.push_back(convert(ctx, el, at->getElementType()));
        } else if (ile->hasArrayFiller()) {
          v.arr->elems.push_back(defaultValue(ctx, at->getElementType()));
        } else {
          v.arr->elems.push_back(defaultValue(ctx, at->getElementType()));
        }
      }
      return v;
    }
    if (const auto *rt = t->getAs<RecordType>()) {
      Value v = makeObj();
      v.embedded = true;
      const RecordDecl *rd = rt->getDecl();
      if (rd->getName() == "ARMCPRegInfo") v.obj->where = whereOf(ctx, ile);
      if (rd->isUnion()) {
        if (const FieldDecl *fd = ile->getInitializedFieldInUnion(); fd && ile->getNumInits() > 0) {
          Value el = eval(ile->getInit(0), f);
          v.obj->fields[keyOf(fd)] = convert(ctx, el, fd->getType());
        }
        return v;
      }
      unsigned j = 0;
      for (const FieldDecl *fd : rd->fields()) {
        if (j >= ile->getNumInits()) break;
        const Expr *init = ile->getInit(j++);
        if (isa<ImplicitValueInitExpr>(init)) continue;  // zero: materialized lazily
        Value el = eval(init, f);
        if (fd->getType()->isRecordType() || fd->getType()->isArrayType()) el.embedded = true;
        v.obj->fields[keyOf(fd)] = convert(ctx, el, fd->getType());
        if (rd->getName() == "Property" && fd->getName() == "offset") {
          // Remember which ARMCPU field a qdev Property stands for.
          if (const auto *oo = findOffsetOf(init)) {
            const OffsetOfNode &last = oo->getComponent(oo->getNumComponents() - 1);
            if (last.getKind() == OffsetOfNode::Field) v.obj->property_field = last.getField()->getNameAsString();
          }
        }
      }
      return v;
    }
    if (ile->getNumInits() == 1) return eval(ile->getInit(0), f);
    return {};
  }

  static const OffsetOfExpr *findOffsetOf(const Stmt *s) {
    if (!s) return nullptr;
    if (const auto *o = dyn_cast<OffsetOfExpr>(s)) return o;
    for (const Stmt *c : s->children())
      if (const auto *o = findOffsetOf(c)) return o;
    return nullptr;
  }

  Value unary(const UnaryOperator *u, Frame &f) {
    const ASTContext &ctx = *cur_ctx_;
    QualType t = u->getType();
    switch (u->getOpcode()) {
      case UO_AddrOf: {
        const Expr *sub = u->getSubExpr()->IgnoreParens();
        Value *p = lvalue(sub, f);
        if (!p) {
          Value v = eval(sub, f);
          return v.k == Value::K::Func ? v : Value{};
        }
        if (p->k == Value::K::Obj || p->k == Value::K::Arr) {
          Value v = *p;
          v.embedded = false;
          return v;
        }
        Value v;
        v.k = Value::K::Ptr;
        v.ptr = p;
        return v;
      }
      case UO_Deref: {
        Value *p = lvalue(u, f);
        return p ? *p : Value{};
      }
      case UO_PreInc:
      case UO_PreDec:
      case UO_PostInc:
      case UO_PostDec: {
        Value *p = lvalue(u->getSubExpr(), f);
        if (!p) return {};
        Value old = *p;
        if (old.k == Value::K::Int) {
          bool inc = u->getOpcode() == UO_PreInc || u->getOpcode() == UO_PostInc;
          *p = convert(ctx, Value::integer(inc ? old.i + 1 : old.i - 1), u->getSubExpr()->getType());
        } else if (old.k == Value::K::Arr) {
          bool inc = u->getOpcode() == UO_PreInc || u->getOpcode() == UO_PostInc;
          p->off += inc ? 1 : -1;
        } else {
          *p = Value{};
        }
        return u->isPrefix() ? *p : old;
      }
      default: break;
    }
    Value v = eval(u->getSubExpr(), f);
    if (u->getOpcode() == UO_LNot) {
      if (v.k == Value::K::Int) return Value::integer(v.i == 0);
      if (v.k == Value::K::Null) return Value::integer(1);
      if (v.known()) return Value::integer(0);
      return {};
    }
    if (v.k != Value::K::Int) return {};
    switch (u->getOpcode()) {
      case UO_Minus: return convert(ctx, Value::integer(0 - v.i), t);
      case UO_Plus: return v;
      case UO_Not: return convert(ctx, Value::integer(~v.i), t);
      default: return {};
    }
  }

  Value arith(BinaryOperatorKind op, const Value &a, const Value &b, QualType lt, QualType rt, QualType t) {
    const ASTContext &ctx = *cur_ctx_;
    // Pointer arithmetic on arrays.
    if (a.k == Value::K::Arr && b.k == Value::K::Int && (op == BO_Add || op == BO_Sub)) {
      Value r = a;
      r.embedded = false;
      r.off += op == BO_Add ? static_cast<std::int64_t>(b.i) : -static_cast<std::int64_t>(b.i);
      return r;
    }
    if (op == BO_EQ || op == BO_NE) {
      auto isnull = [](const Value &v) { return v.k == Value::K::Null || (v.k == Value::K::Int && v.i == 0); };
      bool ptrs = lt->isPointerType() || rt->isPointerType();
      if (ptrs) {
        if (!a.known() || !b.known()) return {};
        bool eq;
        if (isnull(a) || isnull(b)) eq = isnull(a) && isnull(b);
        else if (a.k == Value::K::Obj && b.k == Value::K::Obj) eq = a.obj == b.obj;
        else if (a.k == Value::K::Ptr && b.k == Value::K::Ptr) eq = a.ptr == b.ptr;
        else if (a.k == Value::K::Func && b.k == Value::K::Func) eq = a.fn->getName() == b.fn->getName();
        else if (a.k == Value::K::Arr && b.k == Value::K::Arr) eq = a.arr == b.arr && a.off == b.off;
        else return {};
        return Value::integer((op == BO_EQ) == eq);
      }
    }
    if (a.k != Value::K::Int || b.k != Value::K::Int) return {};
    bool sgn = isSigned(lt);
    std::uint64_t x = a.i, y = b.i;
    auto sx = static_cast<std::int64_t>(x), sy = static_cast<std::int64_t>(y);
    std::uint64_t r = 0;
    switch (op) {
      case BO_Add: r = x + y; break;
      case BO_Sub: r = x - y; break;
      case BO_Mul: r = x * y; break;
      case BO_Div:
        if (y == 0) return {};
        r = sgn ? static_cast<std::uint64_t>(sx / sy) : x / y;
        break;
      case BO_Rem:
        if (y == 0) return {};
        r = sgn ? static_cast<std::uint64_t>(sx % sy) : x % y;
        break;
      case BO_Shl:
        if (y >= 64) return Value::integer(0);
        r = x << y;
        break;
      case BO_Shr:
        if (y >= 64) return Value::integer(sgn && sx < 0 ? ~0ULL : 0);
        r = sgn ? static_cast<std::uint64_t>(sx >> y) : x >> y;
        break;
      case BO_And: r = x & y; break;
      case BO_Or: r = x | y; break;
      case BO_Xor: r = x ^ y; break;
      case BO_LT: return Value::integer(sgn ? sx < sy : x < y);
      case BO_GT: return Value::integer(sgn ? sx > sy : x > y);
      case BO_LE: return Value::integer(sgn ? sx <= sy : x <= y);
      case BO_GE: return Value::integer(sgn ? sx >= sy : x >= y);
      case BO_EQ: return Value::integer(x == y);
      case BO_NE: return Value::integer(x != y);
      default: return {};
    }
    return convert(ctx, Value::integer(r), t);
  }

  Value binary(const BinaryOperator *b, Frame &f) {
    BinaryOperatorKind op = b->getOpcode();
    if (op == BO_LAnd || op == BO_LOr) {
      auto l = truth(b->getLHS(), f);
      if (l && *l == (op == BO_LOr)) return Value::integer(*l);
      auto r = truth(b->getRHS(), f);
      if (r && *r == (op == BO_LOr)) return Value::integer(*r);
      if (l && r) return Value::integer(*r);
      return {};
    }
    if (op == BO_Comma) {
      eval(b->getLHS(), f);
      return eval(b->getRHS(), f);
    }
    if (op == BO_Assign) {
      Value v = eval(b->getRHS(), f);
      Value *dst = lvalue(b->getLHS(), f);
      store(dst, v, b->getLHS()->getType());
      return dst ? *dst : v;
    }
    if (b->isCompoundAssignmentOp()) {
      Value *dst = lvalue(b->getLHS(), f);
      Value rhs = eval(b->getRHS(), f);
      if (!dst) return {};
      const auto *ca = cast<CompoundAssignOperator>(b);
      Value r = arith(BinaryOperator::getOpForCompoundAssignment(op), *dst, rhs, ca->getComputationLHSType(),
                      b->getRHS()->getType(), ca->getComputationResultType());
      store(dst, r, b->getLHS()->getType());
      return *dst;
    }
    Value a = eval(b->getLHS(), f);
    Value c = eval(b->getRHS(), f);
    return arith(op, a, c, b->getLHS()->getType(), b->getRHS()->getType(), b->getType());
  }

  Value call(const CallExpr *ce, Frame &f) {
    const FunctionDecl *fd = ce->getDirectCallee();
    if (!fd) {
      Value callee = eval(ce->getCallee(), f);
      if (callee.k != Value::K::Func) return {};
      fd = callee.fn;
    }
    std::vector<Value> args;
    for (const Expr *a : ce->arguments()) args.push_back(eval(a, f));
    return callFunction(fd, std::move(args), ce);
  }

 public:
  void run(const FunctionDecl *fd, std::vector<Value> args) {
    const ASTContext *saved = cur_ctx_;
    cur_ctx_ = &fd->getASTContext();
    callFunction(fd, std::move(args));
    cur_ctx_ = saved;
  }
  void setContext(const ASTContext *ctx) { cur_ctx_ = ctx; }

 private:
  const AstIndex &index_;
  // Slots of the globals this model has touched, by GlobalRef::slot.
  std::vector<std::shared_ptr<Value>> globals_;
  std::unordered_map<const VarDecl *, GlobalRef> global_refs_;
  std::map<std::string, std::size_t> global_slots_;
  // By slot: constant globals as their initializers made them (see globalSlot).
  std::unordered_map<std::size_t, Value> constant_globals_;
  std::map<std::string, TypeEntry> types_;
  std::map<std::string, std::uint64_t> feature_bits_;
  std::map<std::string, const FunctionDecl *> isar_functions_;
  std::map<std::uint64_t, std::vector<std::string>> flag_names_;
  llvm::DenseMap<const Expr *, std::optional<std::uint64_t>> constants_;
  llvm::DenseMap<const CaseStmt *, std::optional<std::uint64_t>> case_values_;
  llvm::DenseMap<const Type *, std::uint64_t> type_sizes_;
  // Node-based: references to their strings are handed out.
  std::unordered_map<const FieldDecl *, std::string> field_keys_;
  std::unordered_map<const Expr *, std::string> texts_;
  std::unordered_map<const InitListExpr *, std::string> wheres_;
  std::size_t isar_units_searched_ = 0;
  std::map<const OpaqueValueExpr *, Value> opaque_;
  std::vector<std::shared_ptr<Value>> graveyard_, temps_;
  bool registered_ = false;
  std::size_t registration_graveyard_ = 0, registration_temps_ = 0;
  std::vector<Frame *> frames_;
  Value cpu_, cls_;
  std::unique_ptr<Expander> expander_;
  std::vector<Diagnostic> model_diags_;
  std::string cur_model_;
  const ASTContext *cur_ctx_ = nullptr;
  std::size_t unknown_conditions_ = 0;
  int depth_ = 0;
  std::uint64_t steps_ = 0;
};

// One interpreter with QOM's types registered: the models it builds start
// from the same registrations as in any other.
std::unique_ptr<Interpreter> interpreterFor(const AstIndex &index) {
  auto interp = std::make_unique<Interpreter>(index);
  interp->setContext(&index.units.front().ast->getASTContext());
  interp->registerTypes();
  return interp;
}

}  // namespace

std::vector<CpuModelSet> evaluateModels(const AstIndex &index, const QemuExtractOptions &options,
                                        const std::map<std::string, std::uint64_t> &cpu_properties,
                                        unsigned jobs, std::vector<Diagnostic> &diagnostics) {
  if (index.units.empty()) return {};
  std::unique_ptr<Interpreter> first = interpreterFor(index);
  const auto models = first->cpuModels();
  if (models.empty()) diagnostics.push_back({"", "no CPU models found (no ARMCPUInfo type registrations evaluated)"});
  for (const auto &want : options.models) {
    bool found = false;
    for (const auto &m : models) found = found || m.first == want;
    if (!found) diagnostics.push_back({"", "CPU model '" + want + "' not found"});
  }
  std::vector<std::size_t> picked;  // positions in cpuModels(), the same in every interpreter
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (options.models.empty() ||
        std::find(options.models.begin(), options.models.end(), models[i].first) != options.models.end())
      picked.push_back(i);
  }
  // Every model is built from the registrations alone (buildModel resets
  // the CPU state), so the models are shared out among `jobs` interpreters,
  // each taking the next one left; the sets keep the models' order.
  std::vector<CpuModelSet> out(picked.size());
  std::atomic<std::size_t> next{0};
  auto build = [&](Interpreter &interp) {
    const auto types = interp.cpuModels();
    for (std::size_t i; (i = next++) < picked.size();) {
      const auto &[name, type] = types[picked[i]];
      out[i] = interp.buildModel(name, *type, cpu_properties);
    }
  };
  std::vector<std::thread> helpers;
  std::vector<std::exception_ptr> failures(std::max(1u, jobs));
  for (unsigned j = 1; j < jobs && j < picked.size(); ++j) {
    helpers.emplace_back([&, j] {
      try {
        build(*interpreterFor(index));
      } catch (...) {
        failures[j] = std::current_exception();
        next = picked.size();
      }
    });
  }
  try {
    build(*first);
  } catch (...) {
    failures[0] = std::current_exception();
    next = picked.size();
  }
  for (auto &t : helpers) t.join();
  for (const auto &f : failures)
    if (f) std::rethrow_exception(f);
  return out;
}

}  // namespace regcompat::extract::qemu
