#include "report/report.hpp"
#include "report/series.hpp"

#include "analysis/findings.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace lab {

// nlohmann prints doubles in their shortest form (100.631, not 1.00631E2), which
// reads well in a terminal and parses the same everywhere; keys keep their order.
using json = nlohmann::ordered_json;

namespace {

constexpr double ns_per_ms = 1e6;

// Three decimals in ms is microsecond resolution: enough, and keeps the document small.
double round3(double v) { return std::round(v * 1000) / 1000; }

double ms_since(std::int64_t t0, std::int64_t t) { return round3(static_cast<double>(t - t0) / ns_per_ms); }


json request_object(const request_record& r, const load_run& run) {
    const std::int64_t t0 = run.t0_ns;
    json o;
    o["planned_ms"] = r.planned_ns ? json(ms_since(t0, r.planned_ns)) : json(nullptr);
    o["start_ms"] = ms_since(t0, r.start_ns);
    o["end_ms"] = ms_since(t0, r.end_ns);
    o["status"] = r.status;
    o["bytes"] = r.bytes;
    o["error"] = r.error == error_kind::none ? json(nullptr) : json(to_string(r.error));
    o["pid"] = r.server ? json(r.server->pid) : json(nullptr);
    o["thread"] = r.server ? json(r.server->thread) : json(nullptr);
    o["server_start_ms"] = r.server ? json(ms_since(t0, r.server->start_ns)) : json(nullptr);
    o["server_end_ms"] = r.server ? json(ms_since(t0, r.server->end_ns)) : json(nullptr);
    // Its way through the server (DESIGN.md §11): each state and when it began; in the kernel from the send.
    if (r.states > 0 && r.states <= run.states.size()) {
        const auto& st = run.states[r.states - 1];
        json marks = json::array({json::array({state_key(request_state::kernel), ms_since(t0, r.start_ns)})});
        for (std::size_t i = 0; i < st.count; ++i)
            marks.push_back(json::array({state_key(st.marks[i].state), ms_since(t0, st.marks[i].at_ns)}));
        o["states"] = std::move(marks);
    }
    return o;
}

json summary_object(const latency_summary& l) {
    return {{"min", round3(l.min)}, {"p50", round3(l.p50)}, {"p90", round3(l.p90)},
            {"p99", round3(l.p99)}, {"p99_9", round3(l.p999)}, {"max", round3(l.max)}};
}

// What the arm asked for: its name, target, route and the knobs of its load.
void add_request(json& o, const arm_result& a) {
    o["name"] = a.spec.name;
    o["route"] = request_path(a.spec);
    o["target"] = target_label(a.spec);
    if (!on_lab(a.spec)) o["path"] = a.spec.path;
    o["server_fields"] = a.stats.server_fields;
    o["query"] = a.spec.query;
    o["requests"] = a.spec.load.requests;
    o["concurrency"] = a.spec.load.concurrency;
    o["ms"] = a.spec.ms;
    o["pool_threads"] = a.spec.server.pool_threads;
    o["repeat"] = a.spec.load.repeat;
}

// How long it took, against its model.
void add_timing(json& o, const arm_result& a) {
    const auto& s = a.stats;
    o["wall_ms"] = round3(s.wall_ms);
    o["repeat_wall_ms"] = a.repeat_wall_ms;
    o["failed_repeats"] = a.failed_repeats;
    if (a.target_ended)
        o["target_exit"] = {{"how", a.target_ended->how},
                            {"after_ms", round3(static_cast<double>(a.target_ended->at_ns - a.run.t0_ns) / 1e6)}};
    o["ideal_ms"] = s.ideal_ms > 0 ? json(round3(s.ideal_ms)) : json(nullptr);
    // Only a judged run has a distance from its model (DESIGN.md §9).
    o["measured_over_ideal"] =
        s.ideal_ms > 0 && s.outcome == run_outcome::judged ? json(round3(s.measured_over_ideal)) : json(nullptr);
    o["model"] = to_string(a.spec.model);
    o["verdict"] = verdict_name(s);
    o["overlap"] = round3(s.overlap);
    o["server_overlap"] = s.server_fields ? json(round3(s.server_overlap)) : json(nullptr);  // not measured: null
    // No answer, no latency: null rather than zeros a script would read as instant.
    o["latency_ms"] = s.ok > 0 ? summary_object(s.latency_ms) : json(nullptr);
    o["rps"] = round3(s.rps);
    o["bytes_per_s"] = std::round(s.bytes_per_s);
    // How long the run ran: to its last response, or — a -d run that ended at its deadline with
    // requests still in flight — to the end of its window.
    const double window_ms = static_cast<double>(a.run.t1_ns - a.run.t0_ns) / 1e6;
    o["duration_s"] = round3(std::max(s.wall_ms, a.run.t1_ns > a.run.t0_ns ? window_ms : 0.0) / 1000);
}

// How the run ended, and its requests second by second.
void add_run(json& o, const arm_result& a) {
    // Only a `load -d` run that stopped at the record limit, before its duration, has this key.
    if (a.run.record_limit_reached) o["record_limit_reached"] = true;
    if (a.run.interrupted) o["interrupted"] = true;
    if (a.run.interrupted || a.run.cancelled > 0) o["cancelled"] = a.run.cancelled;
    o["reconnects"] = a.run.reconnects;
    if (a.run.unsent > 0) o["unsent"] = a.run.unsent;
    o["records_kept"] = a.run.requests.size();
    o["requests_folded"] = a.run.folded.count;  // past the kept records: in the counts and histograms only
    json seconds = json::array();
    for (const auto& row : second_rows(a.run)) {
        json failures;
        for (auto kind : failure_kinds) failures[to_string(kind)] = row.errors[failure_index(kind)];
        seconds.push_back({{"second", row.second}, {"requests", row.requests}, {"ok", row.ok},
                           {"failures", std::move(failures)},
                           {"p50_ms", row.ok > 0 ? json(round3(row.p50_ms)) : json(nullptr)},
                           {"p99_ms", row.ok > 0 ? json(round3(row.p99_ms)) : json(nullptr)}});
    }
    o["per_second"] = std::move(seconds);
}

// What was answered, and by which of the server's processes.
void add_outcome(json& o, const arm_result& a) {
    const auto& s = a.stats;
    if (s.open_loop) {
        o["rate"] = a.spec.load.rate;
        o["latency_corrected_ms"] = summary_object(s.corrected_ms);
        o["queue_delay_ms"] = summary_object(s.queue_delay_ms);
        o["corrected_first_tenth_ms"] = round3(s.corrected_first_tenth_ms);
        o["corrected_last_tenth_ms"] = round3(s.corrected_last_tenth_ms);
    }
    json errors;
    for (auto kind : failure_kinds) errors[to_string(kind)] = s.errors[failure_index(kind)];
    o["errors"] = std::move(errors);
    o["ok"] = s.ok;
    json statuses = json::object();
    for (const auto& [status, n] : s.responses.statuses) statuses[std::to_string(status)] = n;
    o["statuses"] = std::move(statuses);
    json said = json::object();
    for (const auto& [status, body] : a.run.failure_bodies) said[std::to_string(status)] = body;
    o["failure_bodies"] = std::move(said);
    o["body_bytes"] = s.responses.bodies > 0 ? json{{"min", s.responses.body_min},
                                                    {"mean", round3(s.responses.body_mean())},
                                                    {"max", s.responses.body_max}}
                                             : json(nullptr);
    o["waves"] = s.waves;
    json per_pid = json::object();
    for (const auto& [pid, n] : s.per_pid) per_pid[std::to_string(pid)] = n;
    o["per_pid"] = std::move(per_pid);
    json memory = json::array();
    for (const auto& m : a.memory) memory.push_back({{"pid", m.pid}, {"rss_kb", m.rss_kb}, {"supervisor", m.supervisor}});
    o["memory"] = std::move(memory);
    o["peak_rss_kb"] = a.peak_rss_kb;
}

// What the lab's server measured of itself: its loop's lag, the GIL's waits, its jobs.
void add_server(json& o, const arm_result& a) {
    const auto& s = a.stats;
    if (const auto& lag = s.loop_lag) {
        o["loop_lag_ms"] = {{"max", round3(lag->max_ms)},
                            {"max_is_bound", lag->max_is_bound},
                            {"at_least", lag->at_least},
                            {"p99", lag->p99_ms ? json(round3(*lag->p99_ms)) : json(nullptr)},
                            {"stalls_over_10ms", lag->stalls},
                            {"stalled", round3(lag->stalled_ms)},
                            {"interval", round3(lag->interval_ms)},
                            {"processes", lag->processes}};
    } else {
        o["loop_lag_ms"] = nullptr;  // not a lab server, or one with no monitor
    }
    if (!s.gil_threads.empty()) {
        json threads = json::array();
        for (const auto& t : s.gil_threads)
            threads.push_back({{"pid", t.pid}, {"thread", t.thread}, {"holds", t.holds}, {"held_ms", round3(t.held_ms)},
                               {"waited_ms", round3(t.waited_ms)}});
        o["gil_threads"] = std::move(threads);
    }
    // The lab server's request states: the queues' depths, each state's most at once and mean.
    if (const auto& d = s.queue_depths) {
        json depths = json::object();
        for (std::size_t i = 0; i < request_state_count; ++i)
            depths[state_key(static_cast<request_state>(i))] = {{"max", d->max[i]}, {"mean", round3(d->mean[i])}};
        o["queue_depths"] = std::move(depths);
    }
    if (const auto& db = s.db_pool)
        o["db_pool"] = {{"connections", db->connections},
                        {"takes", db->takes},
                        {"waits", db->waits},
                        {"waited_ms", round3(db->waited_ms)}};
    // A probed app's: what held its loop, by place (absent where no probe watched).
    if (s.blocked_threshold_ms > 0) {
        json places = json::array();
        for (const auto& b : s.blocked)
            places.push_back({{"file", b.where.file.empty() ? json(nullptr) : json(b.where.file)},
                              {"line", b.where.line},
                              {"function", b.where.function},
                              {"code", b.where.code},
                              {"call", b.where.call},
                              {"in_app", b.where.in_app},
                              {"stalls", b.stalls},
                              {"ms", round3(b.ms)}});
        o["blocked"] = {{"threshold_ms", round3(s.blocked_threshold_ms)}, {"places", std::move(places)}};
    }
    if (queues_jobs(a.spec)) {
        json jobs = json::array();
        for (const auto& j : a.jobs)
            jobs.push_back({{"thread", j.thread}, {"start_ms", ms_since(a.run.t0_ns, j.start_ns)},
                            {"end_ms", ms_since(a.run.t0_ns, j.end_ns)}});
        o["jobs"] = std::move(jobs);
        o["jobs_done_ms"] = round3(jobs_done_ms(a));
    }
}

// The server's shape and the arm's place in the scenario.
void add_shape(json& o, const arm_result& a) {
    const auto& s = a.stats;
    o["workers"] = a.spec.server.workers;
    o["gil"] = a.spec.server.gil;
    o["connection"] = a.spec.load.connection_close ? "close" : "keep-alive";
    if (a.spec.route == route_id::cpu) {
        o["on"] = to_string(a.spec.on);
        o["cpu_n"] = a.spec.cpu_n;
    }
    o["lanes"] = a.spec.lanes;
    o["speedup"] = a.speedup ? json(round3(*a.speedup)) : json(nullptr);
    if (a.spec.seed_s) o["seed_s"] = *a.spec.seed_s;
    if (!a.spec.beside.empty()) o["beside"] = a.spec.beside;
    if (!a.spec.advice.empty()) {
        o["advice"] = a.spec.advice;
        o["advice_held"] = advice_held(a.spec, a.stats);
    }
    if (!a.spec.load.probe_route.empty()) {
        o["probe_route"] = a.spec.load.probe_route;
        o["probe_ms"] = s.probe_ms ? json(round3(*s.probe_ms)) : json(nullptr);
        if (a.run.probe) o["probe_detail"] = request_object(*a.run.probe, a.run);
    }
}

json arm_object(const arm_result& a, bool detail) {
    json o;
    for (auto add : {add_request, add_timing, add_run, add_outcome, add_server, add_shape}) add(o, a);
    if (detail || a.run.requests.size() <= detail_limit) {
        json records = json::array();
        for (const auto& r : a.run.requests) records.push_back(request_object(r, a.run));
        o["requests_detail"] = std::move(records);
    }
    return o;
}

}  // namespace

std::string render_arm_json(const arm_result& arm, bool detail) { return arm_object(arm, detail).dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

namespace {

json scenario_object(const scenario_result& r, bool detail) {
    json doc;
    doc["scenario"] = r.name;
    doc["title"] = r.title;
    doc["lesson"] = r.lesson;
    json arms = json::array();
    for (const auto& a : r.arms) arms.push_back(arm_object(a, detail));
    doc["arms"] = std::move(arms);
    doc["notes"] = r.notes;
    if (r.interrupted) doc["interrupted"] = true;
    return doc;
}

}  // namespace

std::string render_json(const scenario_result& r, bool detail) { return scenario_object(r, detail).dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

std::string render_json_many(const std::vector<scenario_result>& results, bool detail) {
    json scenarios = json::array();
    for (const auto& r : results) scenarios.push_back(scenario_object(r, detail));
    return json{{"scenarios", std::move(scenarios)}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace lab
