// The control socket's JSON parser and QMP session.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

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

bool isUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

TEST(Json, TextMustBeUtf8) {
  struct Case {
    std::string text;
    const char *error;
  } cases[] = {
      {"\"a\xff\"", "column 3: invalid UTF-8 byte \\xff in a string"},
      {"\"\xc0\xaf\"", "column 2: invalid UTF-8 byte \\xc0 in a string"},            // overlong '/'
      {"\"\xed\xa0\x80\"", "column 2: invalid UTF-8 byte \\xed in a string"},        // a surrogate
      {"\"\xf4\x90\x80\x80\"", "column 2: invalid UTF-8 byte \\xf4 in a string"},    // above U+10FFFF
      {"\"\xe2\x82\"", "column 2: invalid UTF-8 byte \\xe2 in a string"},            // truncated
      {"\"\\ud800\"", "column 2: lone UTF-16 surrogate in a \\u escape (not a character)"},
      {"\"\\udc00x\"", "column 2: lone UTF-16 surrogate in a \\u escape (not a character)"},
  };
  for (const auto &c : cases) {
    auto v = json::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(c.error, v.error()) << c.text;
  }
  auto ok = json::parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\ud83d\\ude00\"");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80", ok->asString());
}

TEST(Json, DuplicateKeysAreAnError) {
  auto v = json::parse(R"j({"execute": "stop", "arguments": {}, "execute": "quit"})j");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ("column 38: duplicate key \"execute\"", v.error());
  EXPECT_TRUE(json::parse(R"j({"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]})j").ok());
}

// Replies never carry the client's malformed bytes and always are UTF-8;
// a repeated "execute" is not resolved silently.
TEST(Qmp, MalformedRequestsGetCleanErrors) {
  std::vector<std::string> ran;
  QmpSession session([&](std::string_view cmd, const json::Value &) {
    ran.emplace_back(cmd);
    return QmpResult::ok();
  });
  std::vector<std::function<void()>> after;
  session.feed("{\"execute\": \"qmp_capabilities\"}\n", after);
  const std::string bad_utf8 = session.feed("{\"execute\": \"st\xff\xfeop\"}\n", after);
  EXPECT_TRUE(isUtf8(bad_utf8)) << bad_utf8;
  EXPECT_NE(std::string::npos, bad_utf8.find("invalid UTF-8 byte \\\\xff")) << bad_utf8;
  const std::string bad_key = session.feed("{\"\xff\": 1}\n", after);
  EXPECT_TRUE(isUtf8(bad_key)) << bad_key;
  const std::string dup = session.feed("{\"execute\": \"stop\", \"execute\": \"quit\"}\n", after);
  EXPECT_NE(std::string::npos, dup.find("duplicate key \\\"execute\\\"")) << dup;
  EXPECT_TRUE(ran.empty());
}

// The control socket as a process sees it.
class QmpServerTest : public ::testing::Test {
 protected:
  std::string path = (std::filesystem::temp_directory_path() /
                      ("regvm-qmp-test-" + std::to_string(::getpid()) + ".sock")).string();
  static QmpResult handler(std::string_view cmd, const json::Value &) {
    if (cmd == "query-commands") {
      json::Array names;
      for (int i = 0; i < 20; ++i) names.push_back(json::Object{{"name", "command-" + std::to_string(i)}});
      return QmpResult::ok(std::move(names));
    }
    return QmpResult::ok();
  }
  void TearDown() override { std::filesystem::remove(path); }

  int connectClient() {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  // One line from `fd` (empty: closed or timed out).
  static std::string readLine(int fd) {
    std::string line;
    char c;
    while (::recv(fd, &c, 1, 0) == 1) {
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }
  static void send(int fd, const std::string &text) { ASSERT_EQ(static_cast<ssize_t>(text.size()), ::send(fd, text.data(), text.size(), MSG_NOSIGNAL)); }
};

TEST_F(QmpServerTest, SocketIsPrivateNeverTakenOverAndRemoved) {
  {
    auto server = QmpServer::listen(path, handler);
    ASSERT_TRUE(server.ok()) << server.error();
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto second = QmpServer::listen(path, handler);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(std::string::npos, second.error().find("is in use by another process")) << second.error();
    const int fd = connectClient();
    ASSERT_GE(fd, 0) << "the first server still serves";
    EXPECT_NE(std::string::npos, readLine(fd).find("\"QMP\""));
    ::close(fd);
  }
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path))) << "removed with the server";
  // A stale socket file (its process was killed) is replaced.
  {
    const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(0, ::bind(stale, reinterpret_cast<const sockaddr *>(&addr), sizeof addr));
    ::close(stale);
  }
  EXPECT_TRUE(QmpServer::listen(path, handler).ok());
  // Anything else at the path is not ours to remove.
  { std::FILE *f = std::fopen(path.c_str(), "w"); std::fclose(f); }
  auto on_file = QmpServer::listen(path, handler);
  ASSERT_FALSE(on_file.ok());
  EXPECT_NE(std::string::npos, on_file.error().find("exists and is not a socket")) << on_file.error();
}

// A client that sends commands and never reads its replies does not hold
// up another client.
TEST_F(QmpServerTest, ClientThatNeverReadsDoesNotStarveOthers) {
  auto server = QmpServer::listen(path, handler);
  ASSERT_TRUE(server.ok()) << server.error();
  const int greedy = connectClient();
  ASSERT_GE(greedy, 0);
  send(greedy, "{\"execute\": \"qmp_capabilities\"}\n");
  // ~8 MiB of replies that nobody reads; the sends stop once the server stops
  // reading this client (its buffers fill), which is the point.
  const std::string request = "{\"execute\": \"query-commands\"}\n";
  std::string burst;
  for (int i = 0; i < 512; ++i) burst += request;
  for (int i = 0; i < 40; ++i)
    if (::send(greedy, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) break;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int polite = connectClient();
  ASSERT_GE(polite, 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(std::string::npos, readLine(polite).find("\"QMP\""));
  send(polite, "{\"execute\": \"qmp_capabilities\"}\n");
  EXPECT_EQ("{\"return\": {}}", readLine(polite));
  send(polite, "{\"execute\": \"query-status\", \"id\": 7}\n");
  EXPECT_EQ("{\"return\": {}, \"id\": 7}", readLine(polite));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ::close(polite);
  ::close(greedy);
}

TEST_F(QmpServerTest, ClientsBeyondTheLimitAreRefused) {
  auto server = QmpServer::listen(path, handler, {.max_clients = 4, .max_pending_output = 1 << 20});
  ASSERT_TRUE(server.ok()) << server.error();
  std::vector<int> fds;
  for (int i = 0; i < 7; ++i) fds.push_back(connectClient());
  int greeted = 0, refused = 0;
  for (int fd : fds) {
    const std::string line = readLine(fd);
    if (line.find("\"QMP\"") != std::string::npos) ++greeted;
    if (line.find("too many control clients (at most 4 at once)") != std::string::npos) ++refused;
  }
  EXPECT_EQ(4, greeted);
  EXPECT_EQ(3, refused);
  ::close(fds[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int again = connectClient();
  EXPECT_NE(std::string::npos, readLine(again).find("\"QMP\"")) << "a freed slot serves the next client";
  ::close(again);
  for (int fd : fds) ::close(fd);
}

double cpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Out of descriptors with clients waiting: the server refuses them instead
// of spinning on a listener it cannot serve.
TEST_F(QmpServerTest, OutOfDescriptorsDoesNotSpin) {
  auto server = QmpServer::listen(path, handler);
  ASSERT_TRUE(server.ok()) << server.error();
  rlimit saved{};
  ASSERT_EQ(0, ::getrlimit(RLIMIT_NOFILE, &saved));
  std::size_t open_now = 0;
  for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator("/proc/self/fd")) ++open_now;
  rlimit tight = saved;
  tight.rlim_cur = open_now + 6;
  ASSERT_EQ(0, ::setrlimit(RLIMIT_NOFILE, &tight));
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) {
    const int fd = connectClient();
    if (fd < 0) break;
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double before = cpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const double used = cpuSeconds() - before;
  ASSERT_EQ(0, ::setrlimit(RLIMIT_NOFILE, &saved));
  EXPECT_LT(used, 0.15) << "the server thread spins (" << used << " s of CPU in 0.6 s)";
  for (int fd : fds) ::close(fd);
  const int after = connectClient();
  EXPECT_NE(std::string::npos, readLine(after).find("\"QMP\"")) << "serves again once descriptors are free";
  ::close(after);
}

} // namespace
} // namespace regvm
