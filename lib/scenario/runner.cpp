#include "scenario/runner.hpp"

#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "load/http_get.hpp"
#include "load/load_generator.hpp"
#include "model/clock.hpp"
#include "model/knobs.hpp"
#include "process/command_process.hpp"
#include "process/fd_limit.hpp"
#include "process/process_memory.hpp"
#include "process/server_process.hpp"
#include "process/service.hpp"
#include "process/temp_folder.hpp"
#include "scenario/locations.hpp"
#include "scenario/probe_run.hpp"
#include "workload/cpu_work.hpp"

#include <csignal>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <chrono>
#include <algorithm>
#include <map>
#include <thread>
#include <memory>
#include <optional>

namespace lab {

namespace {

// CPU arms ask for a duration; n is measured on this machine, once per duration.
std::vector<std::string> calibrate(std::vector<arm_spec>& arms, const runner_options& options) {
    std::map<double, calibration> done;
    std::vector<std::string> notes;
    for (auto& arm : arms) {
        if ((arm.route != route_id::cpu && !arm.cpu_task) || !on_lab(arm)) continue;
        if (!done.contains(arm.ms)) {
            if (options.progress) options.progress(fmt::format("calibrating CPU work of {} ms", arm.ms));
            auto c = calibrate_cpu(arm.ms);
            done[arm.ms] = c;
            notes.push_back(fmt::format("calibration: Σ√i for i < {} takes {:.1f} ms on one core of this machine "
                                        "(target {} ms); {} cores.",
                                        c.n, c.measured_ms, arm.ms, machine_cores()));
        }
        arm.cpu_n = done[arm.ms].n;
        arm.query = arm.cpu_task ? fmt::format("n={}", arm.cpu_n) : fmt::format("n={}&on={}", arm.cpu_n, to_string(arm.on));
    }
    return notes;
}

load_options load_for(const arm_spec& arm, target_url url) {
    load_options o;
    url.target = request_target(arm);
    o.url = std::move(url);
    o.requests = arm.load.requests;
    o.concurrency = arm.load.concurrency;
    o.timeout_s = arm.load.timeout_s;
    o.cold = arm.load.cold;
    o.connection_close = arm.load.connection_close;
    o.rate = arm.load.rate;
    o.method = on_lab(arm) ? to_string(request_method(arm)) : arm.load.method;
    o.headers = arm.load.headers;
    o.body = arm.load.body;
    if (!arm.load.probe_route.empty()) o.probe = probe_options{arm.load.probe_route, arm.load.probe_after_ms};
    return o;
}

bool stopped(const runner_options& options) { return options.stop && options.stop->load() != 0; }

// Background jobs answer their POST at once and finish later: ask after each one until
// it is done (bounded by the arm's timeout) and keep where and when it ran.
std::vector<server_fields> wait_for_jobs(int port, const load_run& run, double timeout_s,
                                        const runner_options& options) {
    std::vector<server_fields> jobs;
    const auto deadline = monotonic_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    for (const auto& r : run.requests) {
        if (r.task_id <= 0) continue;
        load_options ask;
        ask.url = {"127.0.0.1", std::to_string(port), task_path(r.task_id)};
        ask.requests = 1;
        ask.concurrency = 1;
        ask.timeout_s = 5;
        while (monotonic_ns() < deadline && !stopped(options)) {
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

// One run of one arm on a server of its own: started, loaded (its resident memory sampled
// meanwhile), asked about its background jobs, stopped and reaped. A jthread samples: should
// run_load throw, it is stopped and joined on the way out instead of std::thread's destructor
// calling std::terminate on a joinable thread.
struct measured_run {
    load_run run;
    std::vector<process_memory> memory;
    std::vector<server_fields> jobs;
    std::optional<server_telemetry> telemetry;
    long long peak_rss_kb = 0;
    std::optional<target_exit> target_ended;  // a command target that exited during the load (when noticed)
};

// A signal came while a run was starting (a command target not ready yet): the run is not
// made, and the scenario ends as an interrupted one.
struct interrupted_before_run {};

// A command service's readiness: GET path on 127.0.0.1:port answered 2xx.
// One GET within a second, answered 2xx: the readiness poll of a command target and a service.
bool answers_2xx(const target_url& url, const tls_options& tls = {}) {
    load_options ask;
    ask.url = url;
    ask.tls = tls;
    ask.requests = 1;
    ask.concurrency = 1;
    ask.timeout_s = 1;
    const auto answer = run_load(ask);
    return !answer.requests.empty() && answer.requests.front().error == error_kind::none;
}

bool answers_get(int port, const std::string& path) { return answers_2xx({"127.0.0.1", std::to_string(port), path}); }

// Whether the command listens on a unix socket the runner makes for it ("{socket}" in an
// argument or in its environment).
bool names_socket(const command_target& c) {
    const auto has = [](const std::string& text) { return text.find("{socket}") != std::string::npos; };
    return std::any_of(c.argv.begin(), c.argv.end(), has) ||
           std::any_of(c.env.begin(), c.env.end(), [&](const auto& e) { return has(e.second); });
}

// Polls a command target's `ready` path until it answers 2xx: bounded by its timeout, and
// given up at once when the command has exited or the run is interrupted.
void wait_until_ready(command_process& command, const command_target& target, const target_url& url,
                      const std::string& socket, const runner_options& options) {
    target_url ready = url;
    ready.target = target.ready;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(target.ready_timeout_s);
    const std::string shown = fmt::format("{}", fmt::join(with_port(target.argv, std::stoi(url.port), socket), " "));
    for (;;) {
        if (!command.running())
            throw std::runtime_error(fmt::format("the target command {} before it answered GET {}: {}",
                                                 command.end_description(), target.ready, shown));
        if (stopped(options)) throw interrupted_before_run{};
        if (answers_2xx(ready, target.tls)) return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error(fmt::format("the target command did not answer GET {} with 2xx within {:g} s: {}",
                                                 target.ready, target.ready_timeout_s, shown));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// One run against a server that is not the lab's: started for the run and stopped after it
// (a command), or only loaded (a URL). What it says of itself comes from its response fields.
measured_run run_foreign(const arm_spec& arm, const runner_options& options, const service_addresses& services) {
    measured_run m;
    // Declared before the command: removed after it is stopped.
    std::optional<temp_folder> probe, socket_dir;
    std::optional<command_process> command;
    target_url url;
    tls_options tls;
    if (const auto* c = std::get_if<command_target>(&arm.target)) {
        const int port = free_loopback_port();
        // What the services lend: "{database_url}" in the command and its env, DATABASE_URL beside.
        command_target lent = *c;
        for (auto& arg : lent.argv) arg = services.put_in(arg);
        for (auto& [name, value] : lent.env) value = services.put_in(value);
        for (const auto& [name, value] : services.env)
            if (std::none_of(lent.env.begin(), lent.env.end(), [&](const auto& e) { return e.first == name; }))
                lent.env.emplace_back(name, value);
        c = &lent;
        auto env = c->env;
        if (c->probe) env = probed_env(std::move(env), probe_dir(), probe.emplace("concurrency-lab-probe").path());
        // A command that listens on "{socket}" gets a path in a folder of the run's own (made 0700,
        // removed after the command), and the load goes there.
        std::string socket;
        if (names_socket(*c)) socket = (socket_dir.emplace("concurrency-lab-socket").path() / "http.sock").string();
        url = {"127.0.0.1", std::to_string(port), "/", c->https, socket};
        tls = c->tls;
        command_line line{c->argv, c->cwd, env, socket};
        // The watchdog removes the run's folders after the command, should the driver be killed first.
        for (const auto* folder : {&probe, &socket_dir})
            if (*folder) line.remove_after.push_back((*folder)->path().string());
        command.emplace(line, port);
        wait_until_ready(*command, *c, url, socket, options);
    } else {
        const auto& u = std::get<url_target>(arm.target);
        url = parse_url(u.url);
        url.unix_socket = u.unix_socket;
        tls = u.tls;
    }
    auto load = load_for(arm, url);
    load.tls = tls;
    load.stop = options.stop;
    // A command that exits mid-run is noticed as it happens (to a few ms), so the report can say
    // when, and with what status, rather than leave its failed requests unexplained.
    const auto notice_exit = [&] {
        if (command && !m.target_ended && !command->running())
            m.target_ended = target_exit{command->end_description(), monotonic_ns()};
        return m.target_ended.has_value();
    };
    {
        // Its resident memory too, the whole tree the lab started (its workers included), every 50 ms.
        std::jthread watch([&](std::stop_token stop) {
            for (int i = 0; command && !stop.stop_requested() && !notice_exit(); ++i) {
                if (i % 25 == 0) {
                    long long total = 0;
                    for (const auto& p : memory_below(command->watchdog())) total += p.rss_kb;
                    m.peak_rss_kb = std::max(m.peak_rss_kb, total);
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        });
        m.run = run_load(load);
    }
    if (command && !m.target_ended) m.memory = memory_below(command->watchdog());
    // Failures at the end of a run may be the command dying: its watchdog needs a moment to report.
    if (command && !m.target_ended && analyze(arm, m.run).outcome != run_outcome::judged)
        for (int i = 0; i < 100 && !notice_exit(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (probe && !stopped(options)) {
        flush_probe_folder(probe->path(), std::chrono::seconds(1));
        m.telemetry = read_probe_folder(probe->path());
    }
    if (command) command->stop();
    return m;
}

// What the services lend the lab's own server: the database of its /db routes (a postgres
// service's, unless the arm names one; an arm on another route opens no connection) and
// "{NAME_url}" in its downstream.
server_config lent_to_server(const arm_spec& arm, const service_addresses& services) {
    server_config config = arm.server;
    config.database_url = services.put_in(config.database_url);
    config.downstream = services.put_in(config.downstream);
    if (config.database_url.empty() && route(arm.route).needs == route_needs::database)
        for (const auto& [key, value] : services.placeholders)
            if (key == "database_url") config.database_url = value;
    for (const auto* url : {&config.database_url, &config.downstream})
        if (auto open = url->find('{'); open != std::string::npos)
            throw std::runtime_error(fmt::format("{} names no service of this scenario", url->substr(open, url->find('}', open) - open + 1)));
    return config;
}

measured_run run_once(const arm_spec& arm, const runner_options& options, const service_addresses& services) {
    if (!on_lab(arm)) return run_foreign(arm, options, services);
    measured_run m;
    server_process server(options.executable, serve_args(lent_to_server(arm, services)));
    auto load = load_for(arm, {"127.0.0.1", std::to_string(server.port()), "/"});
    load.stop = options.stop;
    {
        std::jthread sampler([&](std::stop_token stop) {
            while (!stop.stop_requested()) {
                long long total = 0;
                for (const auto& p : memory_of_tree(server.pid())) total += p.rss_kb;
                m.peak_rss_kb = std::max(m.peak_rss_kb, total);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
        m.run = run_load(load);
    }
    if (queues_jobs(arm) && !stopped(options)) m.jobs = wait_for_jobs(server.port(), m.run, arm.load.timeout_s, options);
    // What the server measured of itself: its loop's lag, the GIL's holds.
    if (!stopped(options)) m.telemetry = fetch_telemetry("127.0.0.1", std::to_string(server.port()));
    m.memory = memory_of_tree(server.pid());
    const auto pid = server.pid();
    server.stop();
    // A server that ended otherwise than told (a sanitizer's abort, a crash, a hang) fails the
    // run, so an error inside a server cannot pass unseen; the test route's SIGKILL excepted.
    if (!server.ended_cleanly() && !(arm.server.test_routes && server.killed_by(SIGKILL)))
        throw std::runtime_error(fmt::format("the lab server (pid {}) {}; its stderr above says why", pid,
                                             server.end_description()));
    return m;
}

arm_result finish(const arm_spec& arm, std::vector<measured_run>& runs) {
    arm_result result;
    result.spec = arm;
    // A repeat in which any request failed is the one shown, not folded into a median: the
    // arm is partial, and its failures are what the report explains.
    std::optional<std::size_t> worst;
    int worst_ok = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto stats = analyze(arm, runs[i].run);
        result.repeat_wall_ms.push_back(stats.wall_ms);
        if (stats.outcome == run_outcome::judged) continue;
        result.failed_repeats++;
        if (!worst || stats.ok < worst_ok) worst = i, worst_ok = stats.ok;
    }
    const std::size_t shown = worst ? *worst : median_index(result.repeat_wall_ms);
    auto& median = runs[shown];
    result.shown_repeat = static_cast<int>(shown);
    for (const auto& m : runs) result.peak_rss_kb = std::max(result.peak_rss_kb, m.peak_rss_kb);
    result.run = std::move(median.run);
    result.jobs = std::move(median.jobs);
    result.memory = std::move(median.memory);
    result.telemetry = std::move(median.telemetry);
    result.target_ended = median.target_ended;
    result.stats = analyze(arm, result.run);
    // Some repeats succeeded: the arm as a whole is partial, even where the shown one got nothing.
    if (result.failed_repeats > 0 && result.failed_repeats < static_cast<int>(runs.size()))
        result.stats.outcome = run_outcome::partial;
    // Every run has a server of its own: its life is the run's, give or take its start.
    if (result.telemetry) add_server_measures(*result.telemetry, result.stats, result.run.t0_ns, measured_until(result), true);
    // A worker that served nothing is part of the split too ("4 / 0" is the lesson).
    for (const auto& m : result.memory)
        if (!m.supervisor && arm.server.workers > 0) result.stats.per_pid.try_emplace(m.pid, 0);
    return result;
}

std::string interruption_note(const runner_options& options, const std::vector<std::string>& not_run) {
    const int sig = options.stop->load();
    std::string note = fmt::format("interrupted by {}: the arms above show what was measured until then",
                                   sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
    if (!not_run.empty()) note += fmt::format("; not run: {}", fmt::join(not_run, ", "));
    return note + ".";
}

}  // namespace

std::vector<std::string> needed_packages(const scenario_spec& spec) {
    std::vector<std::string> needs;
    for (const auto& arm : spec.arms)
        if (const auto* c = std::get_if<command_target>(&arm.target)) needs.insert(needs.end(), c->needs.begin(), c->needs.end());
    for (const auto& service : spec.services)
        if (const auto* kind = find_service_kind(service.kind)) needs.insert(needs.end(), kind->packages.begin(), kind->packages.end());
    std::sort(needs.begin(), needs.end());
    needs.erase(std::unique(needs.begin(), needs.end()), needs.end());
    return needs;
}

std::vector<std::string> missing_packages(const scenario_spec& spec) { return missing_debian_packages(needed_packages(spec)); }

std::string left_out_because(const scenario_spec& spec) {
    auto missing = missing_packages(spec);
    if (missing.empty()) return {};
    return fmt::format("{} left out: it needs {} (scripts/bootstrap --packages)", spec.name, fmt::join(missing, " "));
}

scenario_result run_scenario(const scenario_spec& spec, const runner_options& options) {
    scenario_result result{spec.name, spec.title, spec.lesson, {}, {}, spec.baseline};
    auto arms = spec.arms;
    auto calibration_notes = calibrate(arms, options);
    // A command target's packages (FastAPI, uvicorn) are looked for before anything starts.
    if (auto missing = missing_packages(spec); !missing.empty())
        throw scenario_error(fmt::format("{} runs on Debian packages that are not installed: {} — as root, run "
                                         "scripts/bootstrap --packages {} (or apt-get install -y {})",
                                         spec.name, fmt::join(missing, " "), fmt::join(missing, " "), fmt::join(missing, " ")));
    int most_connections = 0;
    for (const auto& arm : arms) most_connections = std::max(most_connections, arm.load.concurrency);
    require_fds(most_connections + 64L, "this scenario");  // the driver holds every client connection
    // The services first (a database), for every arm's run; stopped after the last, on every path.
    const service_addresses no_services;
    std::optional<running_services> services;
    if (!spec.services.empty()) {
        if (options.progress) options.progress("starting the services");
        try {
            services.emplace(spec.services, options.stop, answers_get);
        } catch (const std::runtime_error&) {
            if (!stopped(options)) throw;
            result.interrupted = true;
            result.notes.push_back(interruption_note(options, {}));
            return result;
        }
    }
    // The repeats go round the arms in turn: when the machine gets busier or quieter during a
    // scenario, every arm sees it alike, and the ratios between arms — the lesson — stay true.
    // Every run has a server of its own, reaped before the next starts, so a file of many arms
    // never holds more than one server (and its workers) at a time.
    std::vector<std::vector<measured_run>> runs(arms.size());
    int rounds = 0;
    for (const auto& arm : arms) rounds = std::max(rounds, arm.load.repeat);
    for (int r = 0; r < rounds && !stopped(options); ++r)
        for (std::size_t i = 0; i < arms.size() && !stopped(options); ++i) {
            if (r >= arms[i].load.repeat) continue;
            if (options.progress)
                options.progress(fmt::format("{}: run {}/{} — {} × {} at concurrency {}", arms[i].name, r + 1,
                                             arms[i].load.repeat, arms[i].load.requests, request_target(arms[i]),
                                             arms[i].load.concurrency));
            try {
                runs[i].push_back(run_once(arms[i], options, services ? services->addresses() : no_services));
            } catch (const interrupted_before_run&) {
                break;  // the loops end: stopped() holds now
            }
        }
    std::vector<std::string> not_run;
    for (std::size_t i = 0; i < arms.size(); ++i) {
        if (runs[i].empty()) not_run.push_back(arms[i].name);
        else result.arms.push_back(finish(arms[i], runs[i]));
    }
    add_speedups(result);
    result.notes = calibration_notes;
    for (auto& note : findings(result)) result.notes.push_back(std::move(note));
    // Said, not left out silently: a loop still frozen after the run is when its figures matter most.
    for (const auto& arm : result.arms)
        if (on_lab(arm.spec) && !arm.telemetry && !stopped(options))
            result.notes.push_back(fmt::format("{}: the server did not answer GET /metrics within 5 s of the run's end "
                                               "(its loop still blocked, or its worker gone), so nothing is reported "
                                               "from inside it.",
                                               arm.spec.name));
    if (stopped(options)) {
        result.interrupted = true;
        result.notes.push_back(interruption_note(options, not_run));
    }
    return result;
}

}  // namespace lab
