// A grouped bar chart as inline SVG (internal), for the HTML report: one
// group of bars per category (a component release), one colour per series
// (a CPU model or host profile), a y axis with round ticks, a legend.
// Integer geometry only, so that the output is byte-identical everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace regcompat::generator::html {

struct Bar {
  std::string series;            // legend entry; one colour per series
  std::uint64_t value = 0;
  std::string data_attributes;   // rendered attributes (attr()), for tests and tools
  std::string tooltip;           // the <title> of the bar
};

struct BarCategory {
  std::string label;     // under the axis, e.g. "7.2"
  std::string sublabel;  // a second line, e.g. "qemu"
  std::vector<Bar> bars;
};

struct BarChart {
  std::string id;
  std::string title;
  std::string y_label;
  std::vector<BarCategory> categories;
};

// "1, 2, 5 times a power of ten": the smallest such step that covers
// `max` in at most five ticks.
std::uint64_t niceStep(std::uint64_t max);

std::string renderBarChart(const BarChart &chart);

} // namespace regcompat::generator::html
