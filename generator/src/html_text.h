// Text for the HTML report (internal): escaping of every string that comes
// from a database, a policy or a register name, so that no input can end an
// attribute, open an element or smuggle a control character into the page.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace regcompat::generator::html {

// Element content and attribute values alike: & < > " ' become character
// references; C0 control characters other than tab, line feed and carriage
// return, and DEL, become U+FFFD (HTML forbids them as character references
// too: WHATWG HTML, "13.1.4 Character references").
std::string escape(std::string_view text);

// ` name="value"`, the value escaped.
std::string attr(std::string_view name, std::string_view value);
std::string attr(std::string_view name, std::uint64_t value);

// A string usable inside an id attribute and a fragment link: bytes outside
// [A-Za-z0-9.-] become _xx (hex), so that two names never share an id
// ("10.0.13/6.12/tcg/max" -> "10.0.13_2f6.12_2ftcg_2fmax").
std::string idPart(std::string_view text);

} // namespace regcompat::generator::html
