#include "svg_bar_chart.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "html_text.h"

namespace regcompat::generator::html {
namespace {

// Okabe and Ito's colour-blind safe palette ("Color Universal Design").
constexpr std::array<const char *, 8> kPalette = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                                  "#56b4e9", "#d55e00", "#f0e442", "#000000"};

constexpr std::uint64_t kLeft = 64;        // room for the tick labels and the y label
constexpr std::uint64_t kTop = 64;         // title and the value labels of the tallest bar
constexpr std::uint64_t kPlotHeight = 240;
constexpr std::uint64_t kBarWidth = 16;
constexpr std::uint64_t kBarGap = 2;
constexpr std::uint64_t kCategoryGap = 28;
constexpr std::uint64_t kLegendItemWidth = 130;
constexpr std::uint64_t kMinWidth = 480;

std::string num(std::uint64_t n) { return std::to_string(n); }

std::uint64_t ceilDiv(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

} // namespace

std::uint64_t niceStep(std::uint64_t max) {
  std::uint64_t power = 1;
  for (; power <= UINT64_MAX / 50; power *= 10) {
    for (const std::uint64_t m : {1u, 2u, 5u})
      if (ceilDiv(max, m * power) <= 5) return m * power;
  }
  return power * 10;
}

std::string renderBarChart(const BarChart &chart) {
  std::vector<std::string> series;
  std::uint64_t max = 0;
  std::uint64_t plot_width = kCategoryGap / 2;
  for (const BarCategory &c : chart.categories) {
    for (const Bar &b : c.bars) {
      if (std::find(series.begin(), series.end(), b.series) == series.end()) series.push_back(b.series);
      max = std::max(max, b.value);
    }
    const std::uint64_t n = std::max<std::uint64_t>(c.bars.size(), 1);
    plot_width += n * (kBarWidth + kBarGap) - kBarGap + kCategoryGap;
  }
  const std::uint64_t step = niceStep(max);
  const std::uint64_t ticks = std::max<std::uint64_t>(ceilDiv(max, step), 1);
  const std::uint64_t y_max = ticks * step;
  const std::uint64_t width = std::max(kLeft + plot_width + 16, kMinWidth);
  const std::uint64_t per_row = std::max<std::uint64_t>((width - kLeft) / kLegendItemWidth, 1);
  const std::uint64_t legend_rows = (series.size() + per_row - 1) / per_row;
  const std::uint64_t axis_y = kTop + kPlotHeight;
  const std::uint64_t legend_y = axis_y + 52;
  const std::uint64_t height = legend_y + legend_rows * 18 + 8;
  auto yOf = [&](std::uint64_t v) { return axis_y - v * kPlotHeight / y_max; };
  auto colourOf = [&](const std::string &s) {
    const auto i = static_cast<std::size_t>(std::find(series.begin(), series.end(), s) - series.begin());
    return kPalette[i % kPalette.size()];
  };

  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"" + attr("id", chart.id) +
                    attr("width", width) + attr("height", height) + " viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" role=\"img\"" + attr("aria-label", chart.title) + ">\n";
  out += "<title>" + escape(chart.title) + "</title>\n";
  out += "<text class=\"chart-title\" x=\"" + num(kLeft) + "\" y=\"20\">" + escape(chart.title) + "</text>\n";
  // Grid lines and tick labels.
  for (std::uint64_t t = 0; t <= ticks; ++t) {
    const std::uint64_t y = yOf(t * step);
    out += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" +
           num(kLeft + plot_width) + "\" y2=\"" + num(y) + "\"/>";
    out += "<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) +
           "\" text-anchor=\"end\">" + num(t * step) + "</text>\n";
  }
  out += "<text class=\"axis-label\" transform=\"rotate(-90 16 " + num(kTop + kPlotHeight / 2) +
         ")\" x=\"16\" y=\"" + num(kTop + kPlotHeight / 2) + "\" text-anchor=\"middle\">" +
         escape(chart.y_label) + "</text>\n";
  // Bars, with their value above them and the category under the axis.
  std::uint64_t x = kLeft + kCategoryGap / 2;
  for (const BarCategory &c : chart.categories) {
    const std::uint64_t start = x;
    for (const Bar &b : c.bars) {
      const std::uint64_t top = yOf(b.value);
      out += "<rect class=\"bar\"" + b.data_attributes + attr("x", x) + attr("y", top) +
             attr("width", kBarWidth) + attr("height", axis_y - top) + attr("fill", colourOf(b.series)) +
             "><title>" + escape(b.tooltip) + "</title></rect>";
      const std::uint64_t cx = x + kBarWidth / 2 + 3;
      out += "<text class=\"value\" transform=\"rotate(-90 " + num(cx) + " " + num(top - 4) + ")\" x=\"" +
             num(cx) + "\" y=\"" + num(top - 4) + "\">" + num(b.value) + "</text>\n";
      x += kBarWidth + kBarGap;
    }
    if (c.bars.empty()) x += kBarWidth + kBarGap;
    x -= kBarGap;
    const std::uint64_t middle = (start + x) / 2;
    out += "<text class=\"category\" x=\"" + num(middle) + "\" y=\"" + num(axis_y + 18) +
           "\" text-anchor=\"middle\">" + escape(c.label) + "</text>";
    out += "<text class=\"subcategory\" x=\"" + num(middle) + "\" y=\"" + num(axis_y + 34) +
           "\" text-anchor=\"middle\">" + escape(c.sublabel) + "</text>\n";
    x += kCategoryGap;
  }
  out += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(axis_y) + "\" x2=\"" +
         num(kLeft + plot_width) + "\" y2=\"" + num(axis_y) + "\"/>";
  out += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop - 8) + "\" x2=\"" + num(kLeft) +
         "\" y2=\"" + num(axis_y) + "\"/>\n";
  // Legend.
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::uint64_t lx = kLeft + (i % per_row) * kLegendItemWidth;
    const std::uint64_t ly = legend_y + (i / per_row) * 18;
    out += "<g class=\"legend-item\"><rect" + attr("x", lx) + attr("y", ly) +
           " width=\"12\" height=\"12\"" + attr("fill", colourOf(series[i])) + "/><text" +
           attr("x", lx + 16) + attr("y", ly + 10) + ">" + escape(series[i]) + "</text></g>\n";
  }
  out += "</svg>\n";
  return out;
}

} // namespace regcompat::generator::html
