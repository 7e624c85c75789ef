#include "predicate.h"

#include <utility>

namespace regcompat::extract::qemu {

Predicate Predicate::negate(Predicate p) {
  switch (p.kind) {
    case Kind::True: return falsity();
    case Kind::False: return truth();
    case Kind::Not: return std::move(p.kids.front());
    default: return {Kind::Not, {}, {std::move(p)}};
  }
}

namespace {
Predicate combine(Predicate::Kind kind, std::vector<Predicate> ps) {
  using K = Predicate::Kind;
  const K unit = kind == K::And ? K::True : K::False;  // neutral element
  const K zero = kind == K::And ? K::False : K::True;  // absorbing element
  std::vector<Predicate> flat;
  for (auto &p : ps) {
    if (p.kind == unit) continue;
    if (p.kind == zero) return p;
    if (p.kind == kind) {
      for (auto &k : p.kids) flat.push_back(std::move(k));
    } else {
      flat.push_back(std::move(p));
    }
  }
  std::vector<Predicate> unique;
  for (auto &p : flat) {
    bool seen = false;
    for (const auto &u : unique) seen = seen || u == p;
    if (!seen) unique.push_back(std::move(p));
  }
  if (unique.empty()) return {unit, {}, {}};
  if (unique.size() == 1) return std::move(unique.front());
  return {kind, {}, std::move(unique)};
}
}  // namespace

Predicate Predicate::all(std::vector<Predicate> ps) { return combine(Kind::And, std::move(ps)); }
Predicate Predicate::any(std::vector<Predicate> ps) { return combine(Kind::Or, std::move(ps)); }

std::string toString(const Predicate &p) {
  using K = Predicate::Kind;
  switch (p.kind) {
    case K::True: return "true";
    case K::False: return "false";
    case K::Atom: return p.atom;
    case K::Not: {
      const Predicate &k = p.kids.front();
      bool paren = k.kind == K::And || k.kind == K::Or;
      return "!" + (paren ? "(" + toString(k) + ")" : toString(k));
    }
    case K::And:
    case K::Or: {
      std::string out;
      for (const auto &k : p.kids) {
        if (!out.empty()) out += p.kind == K::And ? " && " : " || ";
        bool paren = (k.kind == K::And || k.kind == K::Or) && k.kind != p.kind;
        out += paren ? "(" + toString(k) + ")" : toString(k);
      }
      return out;
    }
  }
  return "?";
}

std::optional<bool> evaluate(const Predicate &p,
                             const std::function<std::optional<bool>(const std::string &)> &atom) {
  using K = Predicate::Kind;
  switch (p.kind) {
    case K::True: return true;
    case K::False: return false;
    case K::Atom: return atom(p.atom);
    case K::Not: {
      auto v = evaluate(p.kids.front(), atom);
      if (!v) return std::nullopt;
      return !*v;
    }
    case K::And:
    case K::Or: {
      bool unknown = false;
      for (const auto &k : p.kids) {
        auto v = evaluate(k, atom);
        if (!v) {
          unknown = true;
        } else if (*v == (p.kind == K::Or)) {
          return *v;
        }
      }
      if (unknown) return std::nullopt;
      return p.kind == K::And;
    }
  }
  return std::nullopt;
}

}  // namespace regcompat::extract::qemu
