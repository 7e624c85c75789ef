// The sections of the HTML report (internal; html_report_emitter.cc puts
// them together). Each returns an HTML fragment whose every string from the
// input went through html::escape().
#pragma once

#include <string>
#include <string_view>

#include "regcompat/generator/analysis.h"

namespace regcompat::generator::html {

// One matrix per group (accelerator/CPU model) of the machine type: rows the
// source platforms, columns the destinations; a cell per ordered pair.
std::string migrationMatrices(const Analysis &analysis, const MachineTypeResult &m);
// The cell statuses and the legend explaining them.
std::string_view cellStatusLegend();

// Per component, each pair of consecutive releases the policy uses: the
// registers added, removed and changed (db::diff of the two releases' sets),
// merged over the CPU models / host profiles they apply to.
std::string releaseDeltas(const PlatformSet &set);

// The number of registers each release's set puts on the stream, per CPU
// model / host profile, as an SVG bar chart.
std::string registerSetSizes(const PlatformSet &set);

} // namespace regcompat::generator::html
