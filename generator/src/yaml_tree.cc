#include "yaml_tree.h"

#include <exception>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace regcompat::generator::yaml {
namespace {

constexpr std::size_t kMaxNesting = 16;

Position positionOf(const YAML::Mark &mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {static_cast<unsigned>(mark.line) + 1, static_cast<unsigned>(mark.column) + 1};
}

struct Unsupported {
  Position position;
  std::string message;
};

void rejectTag(const YAML::Mark &mark, const std::string &tag) {
  if (tag.empty() || tag == "?" || tag == "!") return;
  throw Unsupported{positionOf(mark), "YAML tags (" + tag + ") are not supported in a policy"};
}

class TreeBuilder final : public YAML::EventHandler {
 public:
  std::optional<Node> takeRoot() { return std::move(root_); }
  Position documentStart() const { return start_; }

  void OnDocumentStart(const YAML::Mark &mark) override { start_ = positionOf(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &mark, YAML::anchor_t) override {
    Node node;
    node.position = positionOf(mark);
    attach(std::move(node));
  }
  void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override {
    throw Unsupported{positionOf(mark), "YAML aliases (*name) are not supported; write the value out"};
  }
  void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                const std::string &value) override {
    rejectTag(mark, tag);
    Node node;
    node.kind = Node::Kind::Scalar;
    node.position = positionOf(mark);
    node.text = value;
    node.quoted = tag == "!";
    attach(std::move(node));
  }
  void OnSequenceStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    rejectTag(mark, tag);
    open(Node::Kind::Sequence, mark);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    rejectTag(mark, tag);
    open(Node::Kind::Map, mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Node node;
    std::optional<Node> key;
  };

  void open(Node::Kind kind, const YAML::Mark &mark) {
    if (stack_.size() >= kMaxNesting)
      throw Unsupported{positionOf(mark),
                        "nesting deeper than " + std::to_string(kMaxNesting) + " levels"};
    Frame frame;
    frame.node.kind = kind;
    frame.node.position = positionOf(mark);
    stack_.push_back(std::move(frame));
  }
  void close() {
    if (stack_.empty()) return;
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
    if (!top.key) {
      if (node.kind == Node::Kind::Sequence || node.kind == Node::Kind::Map)
        throw Unsupported{node.position, "a map key must be a plain word, not a list or map"};
      top.key = std::move(node);
      return;
    }
    // "key:" with nothing after it: yaml-cpp marks the next token; the key is
    // where a reader looks.
    if (node.kind == Node::Kind::Null) node.position = top.key->position;
    top.node.keys.push_back(std::move(*top.key));
    top.node.values.push_back(std::move(node));
    top.key.reset();
  }

  std::vector<Frame> stack_;
  std::optional<Node> root_;
  Position start_;
};

db::Diagnostic at(const std::string &file, Position p, std::string message) {
  return db::Diagnostic{file, p.line, p.column, std::move(message)};
}

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

std::optional<Node> parseDocument(std::string_view text, const std::string &file,
                                  std::vector<db::Diagnostic> &diagnostics) {
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
      diagnostics.push_back(at(file, second.documentStart(),
                               "a policy is one YAML document; a second one starts here"));
      return std::nullopt;
    }
    if (!root) {
      root = Node{};
      root->position = {1, 1};
    }
    return root;
  } catch (const Unsupported &problem) {
    diagnostics.push_back(at(file, problem.position, problem.message));
  } catch (const YAML::ParserException &problem) {
    diagnostics.push_back(at(file, positionOf(problem.mark), "YAML syntax error: " + problem.msg));
  } catch (const std::exception &problem) {
    diagnostics.push_back(at(file, {}, std::string("cannot parse YAML: ") + problem.what()));
  }
  return std::nullopt;
}

} // namespace regcompat::generator::yaml
