#include "scenario/runner.hpp"

#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "load/load_generator.hpp"
#include "model/clock.hpp"
#include "process/fd_limit.hpp"
#include "process/process_memory.hpp"
#include "process/server_process.hpp"
#include "workload/cpu_work.hpp"

#include <fmt/format.h>
#include <chrono>
#include <map>
#include <thread>
#include <memory>

namespace lab {

namespace {

std::vector<std::string> server_args(const arm_spec& arm) {
    std::vector<std::string> args{"--pool-threads", std::to_string(arm.pool_threads)};
    if (arm.gil) args.push_back("--gil");
    if (arm.workers > 0) args.insert(args.end(), {"--workers", std::to_string(arm.workers)});
    if (arm.reuse_port) args.push_back("--reuse-port");
    if (arm.test_routes) args.push_back("--test-routes");
    if (arm.route == "/tasks") args.insert(args.end(), {"--task-workers", std::to_string(arm.task_workers)});
    if (arm.accept_gate_us > 0) args.insert(args.end(), {"--accept-gate-us", std::to_string(arm.accept_gate_us)});
    return args;
}

// CPU arms ask for a duration; n is measured on this machine, once per duration.
std::vector<std::string> calibrate(std::vector<arm_spec>& arms, const runner_options& options) {
    std::map<double, calibration> done;
    std::vector<std::string> notes;
    for (auto& arm : arms) {
        if (arm.route != "/cpu") continue;
        if (!done.contains(arm.ms)) {
            if (options.progress) options.progress(fmt::format("calibrating CPU work of {} ms", arm.ms));
            auto c = calibrate_cpu(arm.ms);
            done[arm.ms] = c;
            notes.push_back(fmt::format("calibration: Σ√i for i < {} takes {:.1f} ms on one core of this machine "
                                        "(target {} ms); {} cores.",
                                        c.n, c.measured_ms, arm.ms, machine_cores()));
        }
        arm.cpu_n = done[arm.ms].n;
        arm.query = fmt::format("n={}&on={}", arm.cpu_n, arm.on);
    }
    return notes;
}

load_options load_for(const arm_spec& arm, int port) {
    load_options o;
    o.url = {"127.0.0.1", std::to_string(port), arm.route + "?" + arm.query};
    o.requests = arm.requests;
    o.concurrency = arm.concurrency;
    o.timeout_s = arm.timeout_s;
    o.cold = arm.cold;
    o.connection_close = arm.connection_close;
    o.rate = arm.rate;
    o.post = arm.post;
    if (!arm.probe_route.empty()) o.probe = probe_options{arm.probe_route, arm.probe_after_ms};
    return o;
}

// Background jobs answer their POST at once and finish later: ask after each one until
// it is done (bounded by the arm's timeout) and keep where and when it ran.
std::vector<server_fields> wait_for_jobs(int port, const load_run& run, double timeout_s) {
    std::vector<server_fields> jobs;
    const auto deadline = monotonic_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    for (const auto& r : run.requests) {
        if (r.task_id <= 0) continue;
        load_options ask;
        ask.url = {"127.0.0.1", std::to_string(port), "/tasks/" + std::to_string(r.task_id)};
        ask.requests = 1;
        ask.concurrency = 1;
        ask.timeout_s = 5;
        while (monotonic_ns() < deadline) {
            auto answer = run_load(ask);
            const auto& rec = answer.requests.front();
            if (rec.task_done && rec.server) {
                jobs.push_back(*rec.server);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    return jobs;
}

// One arm's server, kept for all of the arm's repeats.
struct arm_session {
    arm_spec spec;
    server_process server;
    load_options load;
    std::vector<load_run> runs;
    std::vector<double> walls;

    arm_session(const arm_spec& arm, const runner_options& options)
        : spec(arm), server(options.executable, server_args(arm)), load(load_for(arm, server.port())) {}

    // One run, with the server's resident memory sampled while it is under load.
    // A jthread: should run_load throw, the sampler is stopped and joined on the way out
    // instead of std::thread's destructor calling std::terminate on a joinable thread.
    void run_once() {
        {
            std::jthread sampler([this](std::stop_token stop) {
                while (!stop.stop_requested()) {
                    long long total = 0;
                    for (const auto& m : memory_of_tree(server.pid())) total += m.rss_kb;
                    peak_rss_kb = std::max(peak_rss_kb, total);
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
            });
            runs.push_back(run_load(load));
        }
        walls.push_back(analyze(spec, runs.back()).wall_ms);
    }

    long long peak_rss_kb = 0;

    arm_result finish() {
        arm_result result;
        result.spec = spec;
        result.repeat_wall_ms = walls;
        result.peak_rss_kb = peak_rss_kb;
        result.run = std::move(runs[median_index(walls)]);
        if (spec.route == "/tasks") result.jobs = wait_for_jobs(server.port(), result.run, spec.timeout_s);  // the server must still run
        result.memory = memory_of_tree(server.pid());
        server.stop();
        result.stats = analyze(spec, result.run);
        // A worker that served nothing is part of the split too ("4 / 0" is the lesson).
        for (const auto& m : result.memory)
            if (!m.supervisor && spec.workers > 0) result.stats.per_pid.try_emplace(m.pid, 0);
        return result;
    }
};

}  // namespace

scenario_result run_scenario(const scenario_spec& spec, const runner_options& options) {
    scenario_result result{spec.name, spec.title, spec.lesson, {}, {}, spec.baseline};
    auto arms = spec.arms;
    auto calibration_notes = calibrate(arms, options);
    // Every arm's server starts first, then the repeats go round the arms in turn: when the
    // machine gets busier or quieter during a scenario, every arm sees it alike, and the
    // ratios between arms — the lesson — stay true.
    int most_connections = 0;
    for (const auto& arm : arms) most_connections = std::max(most_connections, arm.concurrency);
    require_fds(most_connections + 64L, "this scenario");  // the driver holds every client connection
    std::vector<std::unique_ptr<arm_session>> sessions;
    int rounds = 0;
    for (const auto& arm : arms) {
        sessions.push_back(std::make_unique<arm_session>(arm, options));
        rounds = std::max(rounds, arm.repeat);
    }
    for (int r = 0; r < rounds; ++r)
        for (auto& s : sessions) {
            if (r >= s->spec.repeat) continue;
            if (options.progress)
                options.progress(fmt::format("{}: run {}/{} — {} × {} at concurrency {}", s->spec.name, r + 1,
                                             s->spec.repeat, s->spec.requests, s->load.url.target,
                                             s->spec.concurrency));
            s->run_once();
        }
    for (auto& s : sessions) result.arms.push_back(s->finish());
    add_speedups(result);
    result.notes = calibration_notes;
    for (auto& note : findings(result)) result.notes.push_back(std::move(note));
    return result;
}

}  // namespace lab
