#include "regcompat/db/yaml_document.h"

#include <exception>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace regcompat::db::yaml {
namespace {

TextPosition positionOf(const YAML::Mark &mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {static_cast<unsigned>(mark.line) + 1, static_cast<unsigned>(mark.column) + 1};
}

// Thrown from inside the event handler to abandon a document that uses a YAML
// feature the format rejects; yaml-cpp unwinds cleanly through it.
struct Unsupported {
  TextPosition position;
  std::string message;
};

// yaml-cpp reports "?" for untagged plain nodes and "!" for untagged quoted
// scalars; anything else is an explicit tag such as "!!str".
void rejectExplicitTag(const YAML::Mark &mark, const std::string &tag) {
  if (tag == "?" || tag == "!" || tag.empty()) return;
  throw Unsupported{positionOf(mark), "YAML tags (" + tag + ") are not supported"};
}

class TreeBuilder final : public YAML::EventHandler {
 public:
  std::optional<Node> takeRoot() { return std::move(root_); }
  TextPosition documentStart() const { return document_start_; }

  void OnDocumentStart(const YAML::Mark &mark) override { document_start_ = positionOf(mark); }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark &mark, YAML::anchor_t) override {
    Node node;
    node.position = positionOf(mark);
    attach(std::move(node));
  }

  void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override {
    throw Unsupported{positionOf(mark),
                      "YAML aliases (*name) are not supported; write the value out"};
  }

  void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                const std::string &value) override {
    rejectExplicitTag(mark, tag);
    Node node;
    node.kind = Node::Kind::Scalar;
    node.position = positionOf(mark);
    node.text = value;
    node.quoted = tag == "!";
    attach(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    rejectExplicitTag(mark, tag);
    open(Node::Kind::Sequence, mark);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    rejectExplicitTag(mark, tag);
    open(Node::Kind::Map, mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Node node;
    std::optional<Node> pending_key;  // Map: key read, value not yet
  };

  void open(Node::Kind kind, const YAML::Mark &mark) {
    if (stack_.size() >= kMaxNesting) {
      throw Unsupported{positionOf(mark), "nesting deeper than " +
                                              std::to_string(kMaxNesting) +
                                              " levels"};
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.position = positionOf(mark);
    stack_.push_back(std::move(frame));
  }

  void close() {
    if (stack_.empty()) return;  // unbalanced events: yaml-cpp never sends them
    Node node = std::move(stack_.back().node);
    stack_.pop_back();
    attach(std::move(node));
  }

  void attach(Node node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame &top = stack_.back();
    if (top.node.kind == Node::Kind::Sequence) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.pending_key) {
      if (node.kind == Node::Kind::Sequence || node.kind == Node::Kind::Map) {
        throw Unsupported{node.position, "a map key must be a plain word, not a list or map"};
      }
      top.pending_key = std::move(node);
      return;
    }
    // An empty value ("key:") gets yaml-cpp's mark of the next token; the
    // key's own position is where a reader looks for the problem.
    if (node.isNull()) node.position = top.pending_key->position;
    top.node.entries.push_back(MapEntry{std::move(*top.pending_key), std::move(node)});
    top.pending_key.reset();
  }

  std::vector<Frame> stack_;
  std::optional<Node> root_;
  TextPosition document_start_;
};

} // namespace

std::string_view describe(const Node &node) {
  switch (node.kind) {
    case Node::Kind::Null: return "nothing (null)";
    case Node::Kind::Scalar: return node.quoted ? "a quoted string" : "a plain value";
    case Node::Kind::Sequence: return "a list";
    case Node::Kind::Map: return "a map";
  }
  return "an unknown node";
}

namespace {

// YAML files here are UTF-8 text: the first byte that breaks that (a NUL, an
// invalid or overlong sequence, a UTF-16 byte-order mark) is reported at its
// line and column, so that nothing else is read into, or written back from,
// a file that is not what it seems.
bool checkUtf8(std::string_view text, FileDiagnostics &out) {
  if (text.size() >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') || (text[0] == '\xfe' && text[1] == '\xff'))) {
    out.error(TextPosition{1, 1}, "UTF-16 text (byte-order mark): YAML files must be UTF-8");
    return false;
  }
  unsigned line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (b == 0) {
      out.error(TextPosition{line, column}, "a NUL byte: not text");
      return false;
    }
    if (b < 0x80) {
      length = 1;
      code = b;
    } else if ((b & 0xe0) == 0xc0) {
      length = 2;
      code = b & 0x1fu;
    } else if ((b & 0xf0) == 0xe0) {
      length = 3;
      code = b & 0x0fu;
    } else if ((b & 0xf8) == 0xf0) {
      length = 4;
      code = b & 0x07u;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      valid = (c & 0xc0) == 0x80;
      code = (code << 6) | (c & 0x3fu);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if (valid && ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
                  (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff))
      valid = false;
    if (!valid) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", b);
      out.error(TextPosition{line, column}, std::string("invalid UTF-8 (byte ") + hex + "): YAML files must be UTF-8");
      return false;
    }
    if (b == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return true;
}

}  // namespace

std::optional<Node> parseDocument(std::string_view text, FileDiagnostics &out) {
  if (!checkUtf8(text, out)) return std::nullopt;
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    TreeBuilder builder;
    if (!parser.HandleNextDocument(builder)) {
      Node empty;
      empty.position = {1, 1};
      return empty;
    }
    std::optional<Node> root = builder.takeRoot();
    TreeBuilder second;
    if (parser.HandleNextDocument(second)) {
      out.error(second.documentStart(),
                "a file holds one YAML document; a second one starts here");
      return std::nullopt;
    }
    if (!root) {
      root = Node{};
      root->position = {1, 1};
    }
    return root;
  } catch (const Unsupported &problem) {
    out.error(problem.position, problem.message);
  } catch (const YAML::ParserException &problem) {
    out.error(positionOf(problem.mark), "YAML syntax error: " + problem.msg);
  } catch (const std::exception &problem) {
    out.error(std::string("cannot parse YAML: ") + problem.what());
  } catch (...) {
    out.error("cannot parse YAML: unknown error");
  }
  return std::nullopt;
}

} // namespace regcompat::db::yaml
