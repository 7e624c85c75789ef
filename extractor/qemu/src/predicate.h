// Normalized predicates over CPU features: the guard under which QEMU defines
// a register table, e.g. `ARM_FEATURE_V8 && !ARM_FEATURE_EL3 && isar:aa64_sve`.
// Atoms: "ARM_FEATURE_X" (arm_feature(env, ARM_FEATURE_X)), "isar:name"
// (cpu_isar_feature(name, cpu)), "acc:tcg" / "acc:kvm" (tcg_enabled() ...),
// anything else is kept as "?(source text)". No Clang here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace regcompat::extract::qemu {

struct Predicate {
  enum class Kind { True, False, Atom, Not, And, Or };
  Kind kind = Kind::True;
  std::string atom;
  std::vector<Predicate> kids;

  static Predicate truth() { return {}; }
  static Predicate falsity() { return {Kind::False, {}, {}}; }
  static Predicate atomic(std::string name) { return {Kind::Atom, std::move(name), {}}; }
  static Predicate negate(Predicate p);
  static Predicate all(std::vector<Predicate> ps);  // And, flattened, simplified
  static Predicate any(std::vector<Predicate> ps);  // Or, flattened, simplified

  bool operator==(const Predicate &) const = default;
};

// "true", "ARM_FEATURE_V8 && (isar:aa64_sve || !ARM_FEATURE_EL2)"
std::string toString(const Predicate &p);

// PredicateEvaluator: three-valued evaluation; `atom` returns nullopt when it
// cannot tell, and so does evaluate() when the answer depends on it.
std::optional<bool> evaluate(const Predicate &p,
                             const std::function<std::optional<bool>(const std::string &)> &atom);

}  // namespace regcompat::extract::qemu
