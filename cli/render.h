// Text and JSON renderings of database objects shared by the db commands.
#pragma once

#include <string>

#include "regcompat/db/database.h"
#include "regcompat/db/set_algebra.h"
#include "regcompat/json_writer.h"

namespace regcompat::cli {

// "0x6030000000139828  S2_3_C0_C5_0  DBGDTRTX_EL0  [const] =0x0  source:target/..."
std::string entryLine(const db::Database &database, const db::RegisterEntry &entry);
void entryJson(JsonWriter &json, const db::Database &database, const db::RegisterEntry &entry);

// "+ ..." / "- ..." / "~ ... (value 0x1 -> 0x2)" lines.
std::string setDiffText(const db::Database &database, const db::SetDiff &diff);
void setDiffJson(JsonWriter &json, const db::Database &database, const db::SetDiff &diff);

} // namespace regcompat::cli
