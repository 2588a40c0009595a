#pragma once
// Ties server, load and analysis together: for each arm, start a server child, run the
// load R times, keep the median run, stop the server (always).
#include "model/records.hpp"
#include "scenario/scenario_spec.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace lab {

struct runner_options {
    std::string executable;                              // the binary that serves (normally ourselves)
    std::function<void(const std::string&)> progress;    // one line of progress, or empty
    const std::atomic<int>* stop = nullptr;              // non-zero: finish the run in flight, start no other
};

scenario_result run_scenario(const scenario_spec& spec, const runner_options& options);

// The Debian packages a scenario's command targets need (`needs`), sorted, each once.
std::vector<std::string> needed_packages(const scenario_spec& spec);

// Those of them that are not installed.
// run_scenario refuses such a scenario; `scenario all` and `check` leave it out and say so.
std::vector<std::string> missing_packages(const scenario_spec& spec);

// For `scenario all` and `check`: why a scenario is left out here ("NAME left out: it needs
// python3-fastapi …"), or empty when it can run.
std::string left_out_because(const scenario_spec& spec);

}  // namespace lab
