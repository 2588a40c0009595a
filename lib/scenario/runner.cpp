#include "scenario/runner.hpp"

#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "load/load_generator.hpp"
#include "process/server_process.hpp"

#include <fmt/format.h>

namespace lab {

namespace {

std::vector<std::string> server_args(const arm_spec& arm) {
    return {"--pool-threads", std::to_string(arm.pool_threads)};
}

load_options load_for(const arm_spec& arm, int port) {
    load_options o;
    o.url = {"127.0.0.1", std::to_string(port), arm.route + "?" + arm.query};
    o.requests = arm.requests;
    o.concurrency = arm.concurrency;
    o.timeout_s = arm.timeout_s;
    o.cold = arm.cold;
    if (!arm.probe_route.empty()) o.probe = probe_options{arm.probe_route, arm.probe_after_ms};
    return o;
}

arm_result run_arm(const arm_spec& arm, const runner_options& options) {
    server_process server(options.executable, server_args(arm));
    auto load = load_for(arm, server.port());
    std::vector<load_run> runs;
    arm_result result;
    result.spec = arm;
    for (int r = 0; r < arm.repeat; ++r) {
        if (options.progress)
            options.progress(fmt::format("{}: run {}/{} — {} × {}?{} at concurrency {}", arm.name, r + 1, arm.repeat,
                                         arm.requests, arm.route, arm.query, arm.concurrency));
        runs.push_back(run_load(load));
        result.repeat_wall_ms.push_back(analyze(arm, runs.back()).wall_ms);
    }
    server.stop();
    result.run = std::move(runs[median_index(result.repeat_wall_ms)]);
    result.stats = analyze(arm, result.run);
    return result;
}

}  // namespace

scenario_result run_scenario(const scenario_spec& spec, const runner_options& options) {
    scenario_result result{spec.name, spec.title, spec.lesson, {}, {}};
    for (const auto& arm : spec.arms) result.arms.push_back(run_arm(arm, options));
    result.notes = findings(result);
    return result;
}

}  // namespace lab
