#pragma once
// The per-second series of a run (load_run::per_second) as rows, and drawn as a sparkline.
#include "model/records.hpp"

#include <string>
#include <vector>

namespace lab {

struct second_row {
    std::size_t second = 0;
    std::int64_t requests = 0, ok = 0, failed = 0;
    std::array<std::int64_t, 4> errors{};
    double p50_ms = 0, p99_ms = 0;  // of the successful ones; 0 when none succeeded
};

std::vector<second_row> second_rows(const load_run& run);

// The table and the HTML report draw the series for runs of at least this many seconds.
inline constexpr std::size_t min_series_seconds = 3;

// "▁▃▅█": one cell per value, scaled from zero to the highest; at most `width`
// cells (longer series are averaged into that many groups).
std::string sparkline(const std::vector<double>& values, std::size_t width = 60);

}  // namespace lab
