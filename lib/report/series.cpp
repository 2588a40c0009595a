#include "report/series.hpp"

#include <algorithm>
#include <array>

namespace lab {

std::vector<second_row> second_rows(const load_run& run) {
    std::vector<second_row> rows;
    for (std::size_t i = 0; i < run.per_second.size(); ++i) {
        const auto& s = run.per_second[i];
        second_row row{i, s.requests, 0, 0, s.errors, s.latency_ms.quantile(50), s.latency_ms.quantile(99)};
        for (auto n : s.errors) row.failed += n;
        row.ok = row.requests - row.failed;
        rows.push_back(row);
    }
    return rows;
}

std::string sparkline(const std::vector<double>& values, std::size_t width) {
    static constexpr std::array<const char*, 8> bars{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    if (values.empty() || width == 0) return "";
    std::vector<double> cells;
    const std::size_t groups = std::min(width, values.size());
    for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t from = g * values.size() / groups, to = (g + 1) * values.size() / groups;
        double sum = 0;
        for (std::size_t i = from; i < to; ++i) sum += values[i];
        cells.push_back(sum / static_cast<double>(to - from));
    }
    // From zero, not from the lowest value: a steady run reads as a steady bar, and a 2 %
    // wobble is not drawn as a collapse.
    const double hi = *std::max_element(cells.begin(), cells.end());
    std::string out;
    for (double v : cells) {
        const double share = hi > 0 ? std::max(0.0, v) / hi : 0.0;
        out += bars[std::min<std::size_t>(7, static_cast<std::size_t>(share * 7.999))];
    }
    return out;
}

}  // namespace lab
