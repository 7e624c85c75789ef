// Boolean formulas over host capabilities; see host_condition.h.
#include "regcompat/linux/host_condition.h"

#include <algorithm>
#include <map>

namespace regcompat::kernel {
namespace {

const std::map<std::string, std::string> &negatedOperators() {
  static const std::map<std::string, std::string> m = {
      {"<", ">="}, {">=", "<"}, {">", "<="}, {"<=", ">"}, {"==", "!="}, {"!=", "=="}};
  return m;
}

// And/Or with constant folding and flattening; `absorbing` is the constant
// that decides the whole (False for And, True for Or).
HostCondition combine(HostCondition::Kind kind, const HostCondition &a, const HostCondition &b,
                      const std::function<HostCondition(std::vector<HostCondition>)> &make) {
  const bool is_and = kind == HostCondition::Kind::And;
  const HostCondition absorbing = HostCondition::constant(!is_and);
  const HostCondition neutral = HostCondition::constant(is_and);
  if (a == absorbing || b == absorbing) return absorbing;
  if (a == neutral) return b;
  if (b == neutral) return a;
  std::vector<HostCondition> ops;
  for (const HostCondition *c : {&a, &b}) {
    if (c->kind() == kind) {
      for (const HostCondition &o : c->operands())
        if (std::find(ops.begin(), ops.end(), o) == ops.end()) ops.push_back(o);
    } else if (std::find(ops.begin(), ops.end(), *c) == ops.end()) {
      ops.push_back(*c);
    }
  }
  if (ops.size() == 1) return ops.front();
  return make(std::move(ops));
}

}  // namespace

HostCondition HostCondition::constant(bool value) {
  HostCondition c;
  c.kind_ = value ? Kind::True : Kind::False;
  return c;
}

HostCondition HostCondition::atom(std::string text) {
  HostCondition c;
  c.kind_ = Kind::Atom;
  c.text_ = std::move(text);
  return c;
}

HostCondition HostCondition::comparison(std::string lhs, std::string op, std::string rhs) {
  HostCondition c = atom(lhs + " " + op + " " + rhs);
  c.lhs_ = std::move(lhs);
  c.op_ = std::move(op);
  c.rhs_ = std::move(rhs);
  return c;
}

HostCondition HostCondition::negate(const HostCondition &c) {
  switch (c.kind_) {
    case Kind::True: return constant(false);
    case Kind::False: return constant(true);
    case Kind::Not: return c.operands_.front();
    case Kind::Atom:
      if (auto it = negatedOperators().find(c.op_); !c.op_.empty() && it != negatedOperators().end())
        return comparison(c.lhs_, it->second, c.rhs_);
      break;
    case Kind::And:
    case Kind::Or: {
      HostCondition out = constant(c.kind_ == Kind::Or);
      for (const HostCondition &o : c.operands_)
        out = c.kind_ == Kind::And ? either(out, negate(o)) : both(out, negate(o));
      return out;
    }
  }
  HostCondition n;
  n.kind_ = Kind::Not;
  n.operands_.push_back(c);
  return n;
}

HostCondition HostCondition::both(const HostCondition &a, const HostCondition &b) {
  return combine(Kind::And, a, b, [](std::vector<HostCondition> ops) {
    HostCondition c;
    c.kind_ = Kind::And;
    c.operands_ = std::move(ops);
    return c;
  });
}

HostCondition HostCondition::either(const HostCondition &a, const HostCondition &b) {
  return combine(Kind::Or, a, b, [](std::vector<HostCondition> ops) {
    HostCondition c;
    c.kind_ = Kind::Or;
    c.operands_ = std::move(ops);
    return c;
  });
}

std::set<std::string> HostCondition::atoms() const {
  std::set<std::string> out;
  if (kind_ == Kind::Atom) out.insert(text_);
  for (const HostCondition &o : operands_) {
    auto sub = o.atoms();
    out.insert(sub.begin(), sub.end());
  }
  return out;
}

std::optional<bool> HostCondition::evaluate(
    const std::function<std::optional<bool>(const std::string &)> &host) const {
  switch (kind_) {
    case Kind::True: return true;
    case Kind::False: return false;
    case Kind::Atom: return host(text_);
    case Kind::Not: {
      auto v = operands_.front().evaluate(host);
      return v ? std::optional<bool>(!*v) : std::nullopt;
    }
    case Kind::And:
    case Kind::Or: {
      const bool decisive = kind_ == Kind::Or;  // a true operand decides an Or
      bool unknown = false;
      for (const HostCondition &o : operands_) {
        auto v = o.evaluate(host);
        if (!v) unknown = true;
        else if (*v == decisive) return decisive;
      }
      if (unknown) return std::nullopt;
      return !decisive;
    }
  }
  return std::nullopt;
}

std::string HostCondition::toString() const {
  switch (kind_) {
    case Kind::True: return "always";
    case Kind::False: return "never";
    case Kind::Atom: return text_;
    case Kind::Not: {
      const HostCondition &o = operands_.front();
      return o.kind_ == Kind::Atom && o.op_.empty() ? "!" + o.text_ : "!(" + o.toString() + ")";
    }
    case Kind::And:
    case Kind::Or: {
      std::string s;
      for (const HostCondition &o : operands_) {
        if (!s.empty()) s += kind_ == Kind::And ? " && " : " || ";
        const bool parens = o.kind_ == Kind::And || o.kind_ == Kind::Or;
        s += parens ? "(" + o.toString() + ")" : o.toString();
      }
      return s;
    }
  }
  return "?";
}

}  // namespace regcompat::kernel
