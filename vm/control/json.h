// regvm's control socket speaks JSON through regcompat's reader and writer
// (database/include/regcompat/json.h), shared with the release pipeline's
// client of this socket.
#pragma once

#include "regcompat/json.h"

namespace regvm {
namespace json = regcompat::json;
} // namespace regvm
