#pragma once
// `concurrency-lab check`, the pure part: evaluate a result's ratio expectations, compare them
// with a recorded baseline, report as a table and as JUnit XML. Running the scenarios is the
// runner's (scenario/check_run.hpp), so scenario/ may use check/ and never the other way.
#include "model/input_error.hpp"
#include "model/records.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct baseline_entry {
    double value = 0;
    double tolerance = 0.4;
    std::string ratio;  // the expression, as the scenario file wrote it
};

struct baseline {
    std::map<std::string, baseline_entry> ratios;  // key: "scenario/expectation"
};

// A baseline that cannot be read: "FILE: reason". Exit 2.
struct baseline_error : input_error {
    using input_error::input_error;
};

baseline load_baseline(const std::filesystem::path& file);

// The same from text; `name` stands for the file in errors. Throws baseline_error.
baseline parse_baseline(std::string_view text, const std::string& name);

struct check_row {
    std::string scenario, name, ratio;
    std::optional<double> measured;
    std::optional<double> min, max;
    std::optional<baseline_entry> recorded;
    std::optional<baseline_entry> stale;  // an entry under this name recorded for another expression: not used
    double tolerance = 0.4;  // the expectation's, written into a new baseline
    double margin = 0;  // distance to the nearest failing limit, relative; < 0 fails
    bool pass = false;
    bool remeasured = false;
    bool interrupted = false;  // a signal cut the scenario's run short: not judged
    std::string error;  // why there is no measurement
    std::string blocked;  // a failing ratio over a probed arm: what held its loop (the findings' words)
};

// Evaluates every expectation of one scenario's result.
std::vector<check_row> evaluate_expectations(const std::vector<expectation>& expectations,
                                             const scenario_result& result, const baseline* recorded);

// `width` > 0: the table split to fit that many columns (0: one full table). `recording`: the
// run writes a new baseline, so a ratio without an entry needs no advice to record one.
std::string render_check_table(const std::vector<check_row>& rows, std::size_t width = 0, bool recording = false);
std::string render_junit(const std::vector<check_row>& rows, double seconds);

// A baseline document with this run's values and the machine's facts. Entries of `kept`
// that this run did not measure stay as they were, so recording a subset of the
// scenarios updates those and keeps the rest.
struct baseline_update {
    std::string document;
    int updated = 0, kept = 0;
};
baseline_update render_baseline(const std::vector<check_row>& rows, const baseline* kept = nullptr);

}  // namespace lab
