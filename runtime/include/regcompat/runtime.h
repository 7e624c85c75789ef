// regcompat runtime: enforce a machine type's compat table while saving and
// loading the CPU register list during live migration. C++ standard library
// only. C callers: regcompat_runtime.h.
#pragma once

#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/finding.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/register_naming.h"
#include "regcompat/runtime/report.h"
#include "regcompat/runtime/save_side.h"
#include "regcompat/runtime/status.h"
