#pragma once
// Plain-words findings a report prints under its table: what the numbers say.
#include "model/records.hpp"

#include <string>
#include <vector>

namespace lab {

// The shortest wall time N requests of t ms at concurrency C can physically take.
double physical_floor_ms(const arm_spec& arm);

std::vector<std::string> findings(const scenario_result& result);

// When the last background job of a /tasks arm finished, in ms after the window opened (0: none).
double jobs_done_ms(const arm_result& arm);

// True when every arm was judged, or its failures are its lesson: the run exits 0, else 1.
bool every_arm_judged(const scenario_result& result);

// Fills each arm's speedup against result.baseline (when it names an arm).
void add_speedups(scenario_result& result);

}  // namespace lab
