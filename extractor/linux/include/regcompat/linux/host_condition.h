// A boolean formula over host capabilities: when the x86 KVM module lists an
// MSR. The kernel decides its MSR lists once, at module load
// (arch/x86/kvm/x86.c kvm_init_msr_lists()), from what the host CPU and KVM's
// own configuration offer; the extractor keeps those tests as formulas whose
// atoms name the host capability, e.g.
//
//   X86_FEATURE_SHSTK                     kvm_cpu_cap_has(X86_FEATURE_SHSTK)
//   host_has_msr                          rdmsr_safe(msr) does not fault
//   enable_pmu                            the kvm.enable_pmu module parameter
//   has_emulated_msr                      the vendor module's has_emulated_msr()
//   kvm_pmu_cap.num_counters_gp > 3       a comparison, symbolic side first
//   feature_msr_readable                  kvm_get_feature_msr() succeeds
//   CONFIG_KVM_HYPERV                     the kernel was built with the option
//   kvm_mpx_supported()                   any other test: its source as spelled
//
// Standard library only (no clang): the CLI and the tests use it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace regcompat::kernel {

class HostCondition {
 public:
  enum class Kind : std::uint8_t { True, False, Atom, Not, And, Or };

  HostCondition() = default;  // True
  static HostCondition constant(bool value);
  static HostCondition atom(std::string text);
  // "lhs op rhs" with a comparison operator; negation flips the operator
  // instead of wrapping it ("a > 3" -> "a <= 3").
  static HostCondition comparison(std::string lhs, std::string op, std::string rhs);

  // Simplifying constructors: constants fold, nested And/Or flatten, double
  // negation cancels, negation moves inward (De Morgan) so that printed
  // formulas read as "when it is listed".
  static HostCondition negate(const HostCondition &c);
  static HostCondition both(const HostCondition &a, const HostCondition &b);
  static HostCondition either(const HostCondition &a, const HostCondition &b);

  Kind kind() const { return kind_; }
  bool isTrue() const { return kind_ == Kind::True; }
  bool isFalse() const { return kind_ == Kind::False; }
  const std::string &text() const { return text_; }  // Atom only
  const std::vector<HostCondition> &operands() const { return operands_; }

  // Every atom the formula mentions.
  std::set<std::string> atoms() const;

  // Three-valued evaluation: `host` answers an atom (true/false) or does not
  // know it (nullopt); the result is nullopt when unknown atoms decide it.
  std::optional<bool> evaluate(const std::function<std::optional<bool>(const std::string &)> &host) const;

  // "always", "never", "X86_FEATURE_RDTSCP || X86_FEATURE_RDPID", ...
  std::string toString() const;

  bool operator==(const HostCondition &) const = default;

 private:
  Kind kind_ = Kind::True;
  std::string text_;                     // Atom
  std::string lhs_, op_, rhs_;           // Atom made by comparison()
  std::vector<HostCondition> operands_;  // Not (1), And / Or (2+)
};

}  // namespace regcompat::kernel
