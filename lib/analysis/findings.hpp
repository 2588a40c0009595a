#pragma once
// Plain-words findings a report prints under its table: what the numbers say.
#include "model/records.hpp"

#include <string>
#include <vector>

namespace lab {

// "4 timeout, 1 read": a run's failures by kind, empty when there are none.
std::string failure_counts(const arm_stats& stats);

// The shortest wall time N requests of t ms at concurrency C can physically take.
double physical_floor_ms(const arm_spec& arm);

std::vector<std::string> findings(const scenario_result& result);

// A probed app's place that held its loop (docs/targets.md): "app.py:27 in fetch_order" (or why
// there is none), and its source line with the library call it was in, where there is one
// ("requests.get(url) → requests.api.get").
std::string blocked_place(const arm_stats::blocked_figures& b);
std::string blocked_code(const arm_stats::blocked_figures& b);

// "the loop was blocked 20 times (1.00 s) at app.py:27 in fetch_order: time.sleep(0.05)": the
// place that held the loop longest; empty when nothing did (or nothing was probed).
std::string top_blocked(const arm_stats& stats);

// When the last background job of a /tasks arm finished, in ms after the window opened (0: none).
double jobs_done_ms(const arm_result& arm);

// From the first request to the last result: the wall for an arm whose answers carry their
// results, the last background job's end for a /tasks arm (0 when none finished).
double results_in_ms(const arm_result& arm);
// Results per second over that time.
double results_per_s(const arm_result& arm);

// What a `load` run asked for, for the notes on how it ended.
struct load_request {
    long long requests = 0;  // -n, when no duration was given
    double duration_s = 0;   // -d
    double rate = 0;         // --rate: an open loop
    double timeout_s = 30;
};

// Sentences on how a load run ended, when it did not end as asked. `warnings` (stopped at
// the record limit, interrupted) go to stderr as well as the report; `notes` (requests in
// flight cancelled at -d's end, an open loop that drained past -d) to the report only.
struct load_ending {
    std::vector<std::string> warnings, notes;
};
load_ending load_notes(const arm_result& arm, const load_request& asked);

// True when every arm was judged, or its failures are its lesson: the run exits 0, else 1.
bool every_arm_judged(const scenario_result& result);

// Fills each arm's speedup against result.baseline (when it names an arm).
void add_speedups(scenario_result& result);

}  // namespace lab
