#pragma once
// `concurrency-lab check`'s runs: each scenario with expectations run, evaluated (check/), and
// run once more when a ratio missed. Exit 0 all pass, 1 any fails.
#include "check/check.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lab {

struct check_options {
    std::vector<std::string> scenarios;  // names; empty: every scenario with expectations
    std::optional<std::filesystem::path> baseline_file;
    std::string executable;
    std::function<void(const std::string&)> progress;
    const std::atomic<int>* stop = nullptr;  // non-zero: run no further scenario
};

// Runs the scenarios; a scenario with a failing row is run once more, and its rows
// replaced by the new ones, marked `remeasured`.
std::vector<check_row> run_check(const check_options& options);

}  // namespace lab
