// libFuzzer target: regvm's control-socket input (vm/control/): the JSON
// parser and a QMP session fed arbitrary bytes must answer every line with a
// reply (or nothing for blank lines) and never crash, hang or overflow the
// stack. Parsed values must write back to JSON that parses to the same text,
// and every reply line must itself parse (valid JSON, valid UTF-8).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json.h"
#include "qmp_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  auto parsed = regvm::json::parse(text);
  if (parsed.ok()) {
    const std::string once = regvm::json::write(*parsed);
    auto again = regvm::json::parse(once);
    if (!again.ok() || regvm::json::write(*again) != once) __builtin_trap();
  }
  regvm::QmpSession session([](std::string_view, const regvm::json::Value &arguments) {
    return regvm::QmpResult::ok(arguments);
  });
  std::vector<std::function<void()>> after;
  (void)session.feed("{\"execute\": \"qmp_capabilities\"}\n", after);
  std::string replies = session.feed(text, after);
  replies += session.feed("\n", after);
  // Every reply line is JSON (so UTF-8: the parser refuses anything else),
  // whatever bytes came in: malformed input is never echoed back raw.
  for (std::size_t start = 0; start < replies.size();) {
    const std::size_t end = replies.find('\n', start);
    if (end == std::string::npos) __builtin_trap();
    if (!regvm::json::parse(std::string_view(replies).substr(start, end - start)).ok()) __builtin_trap();
    start = end + 1;
  }
  return 0;
}
