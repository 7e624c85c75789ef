// regcompat runtime: enforce a machine type's compat table while saving and
// loading the CPU register list during live migration. C++ standard library
// only. C callers: regcompat_runtime.h.
#pragma once

// std::span and designated initializers: the C++ API needs C++20 (C callers
// use regcompat_runtime.h, C99). `pkg-config --variable=cxx_std
// regcompat-runtime` says so too.
#if defined(__cplusplus) && __cplusplus < 202002L
#error "regcompat's runtime C++ API needs C++20 (-std=c++20); C code includes regcompat_runtime.h"
#endif

#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/finding.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/register_naming.h"
#include "regcompat/runtime/report.h"
#include "regcompat/runtime/save_side.h"
#include "regcompat/runtime/status.h"
