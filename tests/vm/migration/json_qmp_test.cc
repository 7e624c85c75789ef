// The control socket's JSON parser and QMP session.
#include <gtest/gtest.h>

#include "json.h"
#include "qmp_server.h"

namespace regvm {
namespace {

TEST(Json, ParsesObjectsArraysAndScalars) {
  auto v = json::parse(R"j( {"execute": "migrate", "arguments": {"uri": "unix:/tmp/x\u00e9"}, "id": [1, -2.5e1, true, null]} )j");
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ("migrate", v->find("execute")->asString());
  EXPECT_EQ("unix:/tmp/x\xc3\xa9", v->find("arguments")->find("uri")->asString());
  const auto &id = v->find("id")->asArray();
  EXPECT_EQ(1, id[0].asInt());
  EXPECT_DOUBLE_EQ(-25.0, id[1].asDouble());
  EXPECT_TRUE(id[2].asBool());
  EXPECT_TRUE(id[3].isNull());
}

TEST(Json, WritesWhatItParses) {
  const std::string text = R"j({"a": [1, "x\"y\n", {"b": false}], "c": null})j";
  auto v = json::parse(text);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(text, json::write(*v));
}

TEST(Json, ErrorsNameTheColumn) {
  struct Case {
    const char *text;
    const char *error;
  } cases[] = {
      {"{\"a\" 1}", "column 6: expected ':' after an object key"},
      {"{\"a\": 1,}", "column 9: expected a string key in the object"},
      {"[1, 2", "column 6: expected ',' or ']' in the array"},
      {"\"abc", "column 1: unterminated string"},
      {"tru", "column 1: unexpected 't', expected a value"},
      {"{} x", "column 4: unexpected 'x' after the JSON value"},
      {"", "column 1: unexpected end of input, expected a value"},
      {"\"\\q\"", "column 3: unknown escape '\\q'"},
      {"-", "column 2: expected digits in a number"},
  };
  for (const auto &c : cases) {
    auto v = json::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(c.error, v.error()) << c.text;
  }
}

TEST(Json, DeepNestingIsAnErrorNotACrash) {
  const std::string deep(100000, '[');
  auto v = json::parse(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string::npos, v.error().find("nesting deeper than 64")) << v.error();
}

TEST(Qmp, NegotiatesThenDispatches) {
  std::vector<std::string> seen;
  QmpSession session([&](std::string_view cmd, const json::Value &) {
    seen.emplace_back(cmd);
    if (cmd == "query-status") return QmpResult::ok(json::Object{{"status", "running"}});
    return QmpResult::error("The command " + std::string(cmd) + " has not been found", "CommandNotFound");
  });
  std::vector<std::function<void()>> after;
  EXPECT_EQ(R"j({"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}})j" "\n",
            session.feed("{\"execute\": \"query-status\"}\n", after));
  EXPECT_EQ("{\"return\": {}}\n", session.feed("{\"execute\": \"qmp_capabilities\"}\n", after));
  // Split across reads, with an id.
  EXPECT_EQ("", session.feed("{\"execute\": \"query-st", after));
  EXPECT_EQ(R"j({"return": {"status": "running"}, "id": "a1"})j" "\n", session.feed("atus\", \"id\": \"a1\"}\n", after));
  EXPECT_EQ((std::vector<std::string>{"query-status"}), seen);
}

TEST(Qmp, BadInputGetsAnErrorAndTheSessionContinues) {
  QmpSession session([](std::string_view, const json::Value &) { return QmpResult::ok(); });
  std::vector<std::function<void()>> after;
  session.feed("{\"execute\": \"qmp_capabilities\"}\n", after);
  EXPECT_EQ(R"j({"error": {"class": "GenericError", "desc": "JSON parse error: column 12: unexpected end of input, expected a value"}})j" "\n",
            session.feed("{\"execute\": \n", after));
  EXPECT_EQ(R"j({"error": {"class": "GenericError", "desc": "QMP input lacks member 'execute' (a string)"}})j" "\n",
            session.feed("{\"exec\": 1}\n", after));
  EXPECT_EQ(R"j({"error": {"class": "GenericError", "desc": "QMP input member 'arguments' must be an object"}})j" "\n",
            session.feed("{\"execute\": \"stop\", \"arguments\": 3}\n", after));
  EXPECT_EQ("{\"return\": {}}\n", session.feed("{\"execute\": \"stop\"}\n", after));
}

TEST(Qmp, OverlongLineIsRefused) {
  QmpSession session([](std::string_view, const json::Value &) { return QmpResult::ok(); });
  std::vector<std::function<void()>> after;
  std::string big(QmpSession::kMaxLine + 10, 'x');
  big += '\n';
  EXPECT_NE(std::string::npos, session.feed(big, after).find("request longer than"));
}

} // namespace
} // namespace regvm
