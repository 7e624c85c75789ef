// BodyNeeds (see body_needs.h): a token-level reference graph of the parsed
// files and its closure.
#include "body_needs.h"

#include <clang/Basic/LangOptions.h>
#include <clang/Lex/Lexer.h>
#include <clang/Lex/Token.h>

#include <fstream>
#include <map>
#include <sstream>

namespace regcompat::extract::qemu {

namespace {

using clang::tok::TokenKind;

// The function-pointer fields of ARMCPRegInfo that the scan never follows.
bool isAccessorField(const std::string &field) {
  static const std::set<std::string> fields = {"readfn",     "writefn",     "raw_readfn", "raw_writefn",
                                               "accessfn",   "resetfn",     "orig_readfn", "orig_writefn",
                                               "orig_accessfn"};
  return fields.count(field) != 0;
}

bool mentionsRegisterTables(const std::string &id) {
  return id == "ARMCPRegInfo" || id.rfind("define_arm_cp_regs", 0) == 0 || id.rfind("define_one_arm_cp_reg", 0) == 0;
}

struct FunctionRefs {
  std::set<std::string> refs;
  bool defines_registers = false;
};

// One file's tokens, split into function bodies and everything else.
class FileGraph {
 public:
  std::multimap<std::string, FunctionRefs> functions;
  std::set<std::string> file_scope_refs;
  std::set<std::string> accessor_refs;  // `.readfn = name`: not references, but named
  std::set<std::string> pasted_prefixes, pasted_suffixes;  // around ## in #define

  void lex(const std::string &text) {
    clang::LangOptions lo;
    lo.C11 = true;
    lo.GNUMode = true;
    clang::Lexer lexer(clang::SourceLocation(), lo, text.data(), text.data(), text.data() + text.size());
    clang::Token t;
    bool more = true;
    while (more) {
      more = !lexer.LexFromRawLexer(t);
      if (t.is(clang::tok::eof)) break;
      if (t.is(clang::tok::hash) && t.isAtStartOfLine()) {
        more = directive(lexer, t);
        if (!more) break;
        continue;
      }
      tokens_.push_back(t);
    }
    split();
  }

 private:
  // Identifiers in #define lines are file-scope references; other
  // directives (#include, #if) carry none. Returns false at end of file; `t`
  // is left on the first token of the next line, which the caller must see.
  bool directive(clang::Lexer &lexer, clang::Token &t) {
    bool is_define = false, first = true, pasting = false;
    std::string prev_ident;
    for (;;) {
      if (lexer.LexFromRawLexer(t) || t.is(clang::tok::eof)) return false;
      if (t.isAtStartOfLine()) {
        if (t.is(clang::tok::hash)) return directive(lexer, t);
        tokens_.push_back(t);
        return true;
      }
      if (t.is(clang::tok::raw_identifier)) {
        std::string id = t.getRawIdentifier().str();
        if (first) is_define = id == "define";
        else if (is_define) file_scope_refs.insert(id);
        if (is_define && pasting) pasted_suffixes.insert(id);
        prev_ident = id;
      } else if (t.is(clang::tok::hashhash) && is_define) {
        // isar_feature_##name: the names this macro makes are not tokens
        // anywhere; every function starting (ending) with a pasted piece counts.
        if (!prev_ident.empty()) pasted_prefixes.insert(prev_ident);
      }
      pasting = t.is(clang::tok::hashhash);
      if (!t.is(clang::tok::raw_identifier)) prev_ident.clear();
      first = false;
    }
  }

  std::string ident(std::size_t i) const {
    return tokens_[i].is(clang::tok::raw_identifier) ? tokens_[i].getRawIdentifier().str() : std::string();
  }
  bool is(std::size_t i, TokenKind k) const { return i < tokens_.size() && tokens_[i].is(k); }

  // `. field = name`: an accessor reference to leave out.
  bool isAccessorValue(std::size_t i) const {
    return i >= 3 && is(i - 1, clang::tok::equal) && is(i - 3, clang::tok::period) &&
           isAccessorField(ident(i - 2));
  }

  // Walks the file scope. A '{' at depth 0 right after a ')' opens a
  // function body; the function's name is the identifier before the '(' of
  // that parenthesis group (none for HELPER(x)(...)-style definitions).
  void split() {
    int parens = 0;
    std::size_t group_open = 0;       // index of the last depth-0 '('
    bool decl_has_equal = false;      // in an initializer: identifiers are references
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const clang::Token &t = tokens_[i];
      if (t.is(clang::tok::l_paren)) {
        if (parens++ == 0) group_open = i;
      } else if (t.is(clang::tok::r_paren)) {
        if (parens > 0) --parens;
      } else if (t.is(clang::tok::semi) && parens == 0) {
        decl_has_equal = false;
      } else if (t.is(clang::tok::equal) && parens == 0) {
        decl_has_equal = true;
      } else if (t.is(clang::tok::l_brace) && parens == 0) {
        if (!decl_has_equal && i > 0 && is(i - 1, clang::tok::r_paren)) {
          std::string name = group_open > 0 ? ident(group_open - 1) : std::string();
          i = body(i, name);
          decl_has_equal = false;
          continue;
        }
      } else if (t.is(clang::tok::raw_identifier)) {
        // A declarator or macro name right before its '(' is not a reference
        // (prototypes, the definition's own name), unless in an initializer.
        if (!decl_has_equal && is(i + 1, clang::tok::l_paren)) continue;
        if (isAccessorValue(i)) {
          accessor_refs.insert(ident(i));
          continue;
        }
        file_scope_refs.insert(ident(i));
      }
    }
  }

  // Collects the body starting at the '{' at `open`; returns the index of
  // its closing '}'.
  std::size_t body(std::size_t open, const std::string &name) {
    FunctionRefs f;
    int depth = 0;
    std::size_t i = open;
    for (; i < tokens_.size(); ++i) {
      if (tokens_[i].is(clang::tok::l_brace)) ++depth;
      else if (tokens_[i].is(clang::tok::r_brace) && --depth == 0) break;
      else if (tokens_[i].is(clang::tok::raw_identifier) && !isAccessorValue(i)) {
        std::string id = ident(i);
        f.defines_registers = f.defines_registers || mentionsRegisterTables(id);
        f.refs.insert(std::move(id));
      }
    }
    if (!name.empty()) functions.emplace(name, std::move(f));
    return i;
  }

  std::vector<clang::Token> tokens_;
};

std::string readFile(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

BodyNeeds BodyNeeds::compute(const std::vector<std::filesystem::path> &files, const std::vector<std::string> &roots) {
  std::multimap<std::string, FunctionRefs> functions;
  std::set<std::string> seeds(roots.begin(), roots.end());
  BodyNeeds out;
  for (const auto &file : files) {
    FileGraph g;
    g.lex(readFile(file));
    seeds.insert(g.file_scope_refs.begin(), g.file_scope_refs.end());
    functions.insert(g.functions.begin(), g.functions.end());
    out.pasted_prefixes_.insert(g.pasted_prefixes.begin(), g.pasted_prefixes.end());
    out.pasted_suffixes_.insert(g.pasted_suffixes.begin(), g.pasted_suffixes.end());
    out.accessors_.insert(g.accessor_refs.begin(), g.accessor_refs.end());
  }
  for (const auto &[name, f] : functions) {
    out.defined_.insert(name);
    if (f.defines_registers || out.pasted(name)) seeds.insert(name);
  }
  // Callers of the register-defining functions, transitively (guards).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto &[name, f] : functions) {
      if (seeds.count(name)) continue;
      for (const auto &r : f.refs) {
        if (seeds.count(r) && functions.count(r)) {
          seeds.insert(name);
          grew = true;
          break;
        }
      }
    }
  }
  // Everything the kept bodies refer to, transitively (execution).
  std::vector<std::string> work(seeds.begin(), seeds.end());
  out.needed_ = seeds;
  while (!work.empty()) {
    std::string name = std::move(work.back());
    work.pop_back();
    auto [b, e] = functions.equal_range(name);
    for (auto it = b; it != e; ++it)
      for (const auto &r : it->second.refs)
        if (out.needed_.insert(r).second) work.push_back(r);
  }
  return out;
}

bool BodyNeeds::pasted(const std::string &name) const {
  for (const auto &p : pasted_prefixes_)
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0) return true;
  for (const auto &x : pasted_suffixes_)
    if (name.size() > x.size() && name.compare(name.size() - x.size(), x.size(), x) == 0) return true;
  return false;
}

}  // namespace regcompat::extract::qemu
