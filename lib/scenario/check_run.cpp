#include "scenario/check_run.hpp"

#include "scenario/locations.hpp"
#include "scenario/runner.hpp"
#include "scenario/scenario_spec.hpp"

#include <cstdio>
#include <map>
#include <fmt/format.h>

namespace lab {

namespace {

std::vector<scenario_spec> selected(const check_options& options) {
    std::vector<scenario_spec> specs;
    if (!options.scenarios.empty()) {
        std::map<std::string, std::string> seen;  // scenario name → what named it
        for (const auto& name : options.scenarios) {
            auto spec = load_scenario_file(find_scenario(name));
            if (spec.expectations.empty())
                throw scenario_error(fmt::format("scenario '{}' states no expectations to check", name));
            // Baseline entries are keyed by scenario name: two files of one name would overwrite each other's.
            if (auto [at, fresh] = seen.emplace(spec.name, name); !fresh)
                throw scenario_error(fmt::format("'{}' and '{}' are both scenario '{}': their ratios would share "
                                                 "baseline entries (rename one file)",
                                                 at->second, name, spec.name));
            specs.push_back(std::move(spec));
        }
        return specs;
    }
    for (const auto& file : list_scenario_files()) {
        auto spec = load_scenario_file(file);
        if (spec.expectations.empty() || spec.long_running) continue;
        if (auto why = left_out_because(spec); !why.empty()) {
            std::fprintf(stderr, "concurrency-lab: note: %s\n", why.c_str());
            continue;
        }
        specs.push_back(std::move(spec));
    }
    // A CI job that checked nothing must not go green.
    if (specs.empty())
        throw scenario_error(fmt::format("no scenario in {} states expectations to check", scenario_dir().string()));
    return specs;
}

}  // namespace

std::vector<check_row> run_check(const check_options& options) {
    std::optional<baseline> recorded;
    if (options.baseline_file) recorded = load_baseline(*options.baseline_file);
    const baseline* base = recorded ? &*recorded : nullptr;
    auto specs = selected(options);  // every file is read before any server starts
    std::vector<check_row> rows;
    const auto interrupted = [&] { return options.stop && options.stop->load() != 0; };
    for (const auto& spec : specs) {
        if (interrupted()) break;
        runner_options run{options.executable, options.progress, options.stop};
        auto scenario_rows = evaluate_expectations(spec.expectations, run_scenario(spec, run), base);
        bool missed = std::any_of(scenario_rows.begin(), scenario_rows.end(), [](auto& r) { return !r.pass; });
        if (missed && !interrupted()) {
            // A noisy machine can miss once; a regression misses again.
            if (options.progress) options.progress(fmt::format("{}: a ratio missed; measuring again", spec.name));
            scenario_rows = evaluate_expectations(spec.expectations, run_scenario(spec, run), base);
            for (auto& r : scenario_rows) r.remeasured = true;
        }
        // Cut short by a signal: what it measured is no verdict on the ratio, pass or fail.
        if (interrupted())
            for (auto& r : scenario_rows) {
                r.interrupted = true;
                r.pass = false;
                // An arm the signal came before is in the file, just not measured: not "no arm 'X'".
                if (!r.measured) r.error = "not measured: the run was interrupted before every arm it names had run";
            }
        rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
}

}  // namespace lab
