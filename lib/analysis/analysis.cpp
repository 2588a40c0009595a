#include "analysis/analysis.hpp"
#include "analysis/request_states.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lab {

int max_at_once(std::vector<std::pair<std::int64_t, std::int64_t>> intervals) {
    std::vector<std::pair<std::int64_t, int>> events;
    for (auto [from, to] : intervals) {
        events.emplace_back(from, +1);
        events.emplace_back(to, -1);
    }
    std::sort(events.begin(), events.end());  // an end sorts before a start at the same instant
    int open = 0, peak = 0;
    for (auto [t, d] : events) peak = std::max(peak, open += d);
    return peak;
}

std::int64_t last_answer_ns(const load_run& run) {
    std::int64_t end = run.t0_ns;
    for (const auto& r : run.requests) end = std::max(end, r.end_ns);
    if (run.probe) end = std::max(end, run.probe->end_ns);
    return end;
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

static int ceil_div(int a, int b) { return b <= 0 ? 0 : (a + b - 1) / b; }

double ideal_ms(model_kind model, int n, int c, int lanes, double t_ms) {
    switch (model) {
        case model_kind::serialized: return n * t_ms;
        case model_kind::concurrent: return ceil_div(n, c) * t_ms;
        case model_kind::pool:
        case model_kind::parallel: return ceil_div(n, std::min(lanes, c)) * t_ms;
        case model_kind::none: break;
    }
    return 0;
}

model_kind closest_of(double wall_ms, const std::vector<model_ideal>& candidates, model_kind expected) {
    if (wall_ms <= 0) return model_kind::none;
    model_kind best = model_kind::none;
    double best_distance = INFINITY;
    for (const auto& c : candidates) {
        if (c.ms <= 0) continue;
        double distance = std::abs(std::log(wall_ms / c.ms));
        bool tie = std::abs(distance - best_distance) < 1e-12;
        if (distance < best_distance || (tie && c.model == expected)) {
            best = c.model;
            best_distance = distance;
        }
    }
    return best;
}

// The models a run is weighed against: its own first, then serialized and concurrent.
static std::vector<model_ideal> candidate_ideals(int n, int c, int lanes, double t_ms, model_kind expected,
                                                 double floor_ms) {
    std::vector<model_ideal> out;
    if (t_ms <= 0) return out;
    auto add = [&](model_kind m) {
        for (const auto& have : out)
            if (have.model == m) return;
        out.push_back({m, std::max(ideal_ms(m, n, c, lanes, t_ms), floor_ms)});
    };
    if (expected != model_kind::none) add(expected);
    add(model_kind::serialized);
    add(model_kind::concurrent);
    return out;
}

model_kind closest_model(double wall_ms, int n, int c, int lanes, double t_ms, model_kind expected,
                         double floor_ms) {
    std::vector<model_ideal> candidates = candidate_ideals(n, c, lanes, t_ms, expected, floor_ms);
    // Only the arm's own model may be a pool or parallel lanes; the others are the two extremes.
    if (expected != model_kind::pool && expected != model_kind::parallel)
        std::erase_if(candidates, [&](const auto& m) { return m.model == model_kind::pool || m.model == model_kind::parallel; });
    return closest_of(wall_ms, candidates, expected);
}

// The model's parallel lanes as the scenario settled them, else the pool's size (an arm no
// scenario settled: a bare `load`).
static int model_lanes(const arm_spec& spec) { return spec.lanes > 0 ? spec.lanes : spec.server.pool_threads; }

// Requests one worker can serve at once: one on a loop that blocks, its pool on the pool,
// every connection it holds for coroutines.
static int worker_lanes(const arm_spec& spec) {
    if (spec.route == route_id::unknown) return 1;
    // A query holds one of the worker's own database connections.
    const int connections = route(spec.route).needs == route_needs::database ? spec.server.db_pool : spec.load.concurrency;
    switch (route(spec.route).where) {
        case runs_on::chosen: return spec.on == cpu_place::pool && !spec.server.gil ? spec.server.pool_threads : 1;
        case runs_on::pool: return std::min(spec.server.pool_threads, connections);
        case runs_on::coroutine: return std::min(spec.load.concurrency, connections);
        default: return 1;
    }
}

double split_ideal_ms(const arm_spec& spec, const std::map<long long, int>& per_pid) {
    const int lanes = model_lanes(spec);
    const double balanced = ideal_ms(spec.model, spec.load.requests, spec.load.concurrency, lanes, spec.ms);
    double busiest = 0;
    const int per_worker = std::min(worker_lanes(spec), spec.load.concurrency);
    for (const auto& [pid, count] : per_pid)
        busiest = std::max(busiest, ideal_ms(model_kind::pool, count, count, per_worker, spec.ms));
    return std::max(balanced, busiest);
}

bool processes_overlapped(const load_run& run) {
    struct span { std::int64_t start, end, pid; };
    std::vector<span> spans;
    for (const auto& r : run.requests)
        if (r.error == error_kind::none && r.server) spans.push_back({r.server->start_ns, r.server->end_ns, r.server->pid});
    std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    // Sweep in start order, keeping the latest end seen per pid: a handler that starts
    // before another process's handler has ended ran beside it.
    std::map<std::int64_t, std::int64_t> last_end;
    for (const auto& s : spans) {
        for (const auto& [pid, end] : last_end)
            if (pid != s.pid && end > s.start) return true;
        auto& mine = last_end[s.pid];
        mine = std::max(mine, s.end);
    }
    return false;
}

// Σ durations / span, over `intervals` and whatever sum and span were gathered before them.
static double overlap_from(const std::vector<interval>& intervals, std::int64_t lo, std::int64_t hi, double sum) {
    for (const auto& iv : intervals) {
        lo = std::min(lo, iv.start);
        hi = std::max(hi, iv.end);
        sum += static_cast<double>(iv.end - iv.start);
    }
    return hi > lo ? sum / static_cast<double>(hi - lo) : 0;
}

double overlap_factor(const std::vector<interval>& intervals) {
    if (intervals.empty()) return 0;
    return overlap_from(intervals, intervals.front().start, intervals.front().end, 0);
}

static constexpr double ns_per_ms = 1e6;

// overlap_factor over the kept handlers and the folded ones' sum and span.
static double folded_overlap(const std::vector<interval>& handlers, const folded_requests& folded) {
    return overlap_from(handlers, folded.handler_first_ns, folded.handler_last_ns, folded.handler_sum_ns);
}

// Latency from the planned send (corrected) and the delay from plan to send, per request.
struct planned_latencies {
    std::vector<double> corrected, queued;
};

static planned_latencies latencies_of(const std::vector<const request_record*>& planned) {
    planned_latencies out;
    for (const auto* r : planned) {
        out.corrected.push_back(static_cast<double>(r->end_ns - r->planned_ns) / ns_per_ms);
        out.queued.push_back(static_cast<double>(std::max<std::int64_t>(0, r->start_ns - r->planned_ns)) / ns_per_ms);
    }
    return out;
}

// The window's latencies and the folded ones together, read from one histogram.
static latency_summary summarize(const std::vector<double>& values, const latency_histogram& folded) {
    latency_histogram all = folded;
    for (double v : values) all.add(v);
    latency_summary l;
    if (all.count() == 0) return l;
    l.min = all.min();
    l.p50 = all.quantile(50);
    l.p90 = all.quantile(90);
    l.p99 = all.quantile(99);
    l.p999 = all.quantile(99.9);
    l.max = all.max();
    return l;
}

// Mean corrected latency of the seconds in [from, to) of the series.
static double series_corrected_mean(const std::vector<second_stats>& series, std::size_t from, std::size_t to) {
    double sum = 0;
    std::int64_t n = 0;
    for (std::size_t i = from; i < to && i < series.size(); ++i) {
        sum += series[i].corrected_sum_ms;
        n += series[i].corrected;
    }
    return n > 0 ? sum / static_cast<double>(n) : 0;
}

latency_summary summarize(std::vector<double> values) {
    latency_summary l;
    if (values.empty()) return l;
    std::sort(values.begin(), values.end());
    l.min = values.front();
    l.p50 = percentile(values, 50);
    l.p90 = percentile(values, 90);
    l.p99 = percentile(values, 99);
    l.p999 = percentile(values, 99.9);
    l.max = values.back();
    return l;
}

// A long open loop's: the kept records and the folded histograms together; the first and
// last tenth are those of the run's seconds (a schedule at a steady rate: a tenth of its time).
static void add_folded_open_loop_stats(const load_run& run, const std::vector<const request_record*>& planned,
                                       arm_stats& s) {
    s.open_loop = true;
    const auto kept = latencies_of(planned);
    s.corrected_ms = summarize(kept.corrected, run.folded.corrected_ms);
    s.queue_delay_ms = summarize(kept.queued, run.folded.queue_delay_ms);
    const std::size_t seconds = run.per_second.size(), tenth = std::max<std::size_t>(1, seconds / 10);
    s.corrected_first_tenth_ms = series_corrected_mean(run.per_second, 0, tenth);
    s.corrected_last_tenth_ms = series_corrected_mean(run.per_second, seconds - std::min(seconds, tenth), seconds);
}

// Open loop (wrk2): latency from when each request was due, and the delay between plan
// and send, which is where a closed-loop client would have hidden the queue.
static void add_open_loop_stats(const load_run& run, arm_stats& s) {
    std::vector<const request_record*> planned;
    for (const auto& r : run.requests)
        if (r.planned_ns > 0 && r.error == error_kind::none) planned.push_back(&r);
    if (run.folded.corrected_ms.count() > 0) {
        add_folded_open_loop_stats(run, planned, s);
        return;
    }
    if (planned.empty()) return;
    s.open_loop = true;
    std::sort(planned.begin(), planned.end(), [](auto a, auto b) { return a->planned_ns < b->planned_ns; });
    auto [corrected, queued] = latencies_of(planned);
    const std::size_t tenth = std::max<std::size_t>(1, corrected.size() / 10);
    s.corrected_first_tenth_ms = std::accumulate(corrected.begin(), corrected.begin() + static_cast<long>(tenth), 0.0) / tenth;
    s.corrected_last_tenth_ms = std::accumulate(corrected.end() - static_cast<long>(tenth), corrected.end(), 0.0) / tenth;
    s.corrected_ms = summarize(std::move(corrected));
    s.queue_delay_ms = summarize(std::move(queued));
}

std::vector<int> completion_waves(const load_run& run, std::int64_t gap_ns) {
    std::vector<std::int64_t> ends;
    for (const auto& r : run.requests)
        if (r.error == error_kind::none) ends.push_back(r.end_ns);
    std::sort(ends.begin(), ends.end());
    std::vector<int> waves;
    for (std::size_t i = 0; i < ends.size(); ++i) {
        if (i == 0 || ends[i] - ends[i - 1] > gap_ns) waves.push_back(0);
        waves.back()++;
    }
    return waves;
}

namespace {

// Counts, latencies and throughput of the run: its kept records and what was folded past them.
void measure_requests(const load_run& run, arm_stats& s) {
    std::vector<double> latencies;
    std::vector<interval> handlers;
    std::int64_t last_end = run.t0_ns;
    std::size_t bytes = run.folded.bytes;
    int run_status = 0;  // responses in a row with one status are counted at once
    std::int64_t run_length = 0;
    for (const auto& r : run.requests) {
        last_end = std::max(last_end, r.end_ns);
        bytes += r.bytes;
        if (r.status != 0) {
            if (r.status != run_status) {
                s.responses.add_many(run_status, run_length);
                run_status = r.status, run_length = 0;
            }
            ++run_length;
            s.responses.add_body(r.body_bytes);
        }
        if (r.error != error_kind::none) {
            s.errors[failure_index(r.error)]++;
            continue;
        }
        s.ok++;
        latencies.push_back(static_cast<double>(r.end_ns - r.start_ns) / ns_per_ms);
        if (r.server) {
            s.server_fields = true;
            handlers.push_back({r.server->start_ns, r.server->end_ns});
            s.per_pid[r.server->pid]++;
        }
    }
    s.responses.add_many(run_status, run_length);
    const auto& folded = run.folded;
    last_end = std::max(last_end, folded.last_end_ns);
    for (std::size_t k = 0; k < s.errors.size(); ++k) s.errors[k] += static_cast<int>(folded.errors[k]);
    s.ok += static_cast<int>(folded.ok());
    s.responses.merge(folded.responses);
    for (const auto& [pid, n] : folded.per_pid) s.per_pid[pid] += static_cast<int>(n);
    s.server_fields = s.server_fields || folded.server_fields;
    s.wall_ms = static_cast<double>(last_end - run.t0_ns) / ns_per_ms;
    const double latency_sum = std::accumulate(latencies.begin(), latencies.end(), 0.0) + folded.latency_sum_ms;
    s.latency_ms = folded.count > 0 ? summarize(latencies, folded.latency_ms) : summarize(std::move(latencies));
    if (s.wall_ms > 0) {
        s.rps = s.ok / (s.wall_ms / 1000);
        s.bytes_per_s = static_cast<double>(bytes) / (s.wall_ms / 1000);
    }
    s.overlap = s.wall_ms > 0 ? latency_sum / s.wall_ms : 0;
    s.server_overlap = folded.server_fields ? folded_overlap(handlers, folded) : overlap_factor(handlers);
}

// Whether the server's own handler intervals rule out the model the wall is nearest. They
// speak only where each handler took about its t: handlers stretched by sharing a core or a
// lock (CPU work, a GIL) are in flight together without making progress together.
bool server_disputes(const arm_spec& spec, const load_run& run, const arm_stats& s) {
    if (!s.server_fields || spec.ms <= 0) return false;
    double sum_ms = 0;
    int handlers = 0;
    for (const auto& r : run.requests)
        if (r.error == error_kind::none && r.server) {
            sum_ms += static_cast<double>(r.server->end_ns - r.server->start_ns) / ns_per_ms;
            ++handlers;
        }
    if (handlers < 2 || sum_ms / handlers > spec.ms * server_stretch_limit) return false;
    if (s.verdict == model_kind::serialized) return s.server_overlap >= server_overlapped;
    return s.server_overlap <= server_one_at_a_time && spec.load.concurrency >= 2;
}

// The models' ideals for the arm, its own first, and the verdict where the run can tell them apart.
void judge(const arm_spec& spec, const load_run& run, arm_stats& s) {
    const int lanes = model_lanes(spec);
    // An open loop cannot finish before its last request is due, plus that request's t.
    const double schedule_ms = spec.load.rate > 0 ? (spec.load.requests - 1) / spec.load.rate * 1000 + spec.ms : 0;
    s.ideals = candidate_ideals(spec.load.requests, spec.load.concurrency, lanes, spec.ms, spec.model, schedule_ms);
    s.processes_overlapped = processes_overlapped(run);
    if (spec.server.workers > 1 && !s.ideals.empty() && s.outcome == run_outcome::judged)
        s.ideals.front().ms = std::max(split_ideal_ms(spec, s.per_pid), schedule_ms);
    // One worker served every request, one at a time, while its siblings idled (a 4 / 0 split):
    // nothing ran in parallel, and the run is weighed as what it was, serialized.
    if (spec.server.workers > 1 && s.per_pid.size() == 1 && s.ok >= 2 && worker_lanes(spec) == 1)
        std::erase_if(s.ideals, [](const auto& m) { return m.model == model_kind::parallel; });
    // Handlers that ran in two processes at once were not serialized, whatever the wall says.
    // (On one core, where the arm's own model is serialized, the processes took turns: it stays.)
    if (s.processes_overlapped)
        std::erase_if(s.ideals, [&](const auto& m) { return m.model == model_kind::serialized && m.model != spec.model; });
    s.ideal_ms = spec.model == model_kind::none || s.ideals.empty() ? 0 : s.ideals.front().ms;
    s.measured_over_ideal = s.ideal_ms > 0 ? s.wall_ms / s.ideal_ms : 0;
    // A verdict only where the run can tell the models apart (the findings say why not).
    if (s.outcome == run_outcome::judged && !models_alike(s) && spec.ms >= min_telling_ms)
        s.verdict = closest_of(s.wall_ms, s.ideals, spec.model);
    if (s.verdict != model_kind::none && server_disputes(spec, run, s)) {
        s.wall_fits = s.verdict;
        s.verdict = model_kind::none;
        s.disputed = true;
    }
}

}  // namespace

arm_stats analyze(const arm_spec& spec, const load_run& run) {
    arm_stats s;
    measure_requests(run, s);
    add_open_loop_stats(run, s);
    s.asked = spec.load.requests;
    const bool probe_failed = run.probe && run.probe->error != error_kind::none;
    if (probe_failed) s.probe_error = run.probe->error;
    if (s.ok == 0) s.outcome = run_outcome::failed;
    else if (s.ok < s.asked || probe_failed) s.outcome = run_outcome::partial;
    judge(spec, run, s);
    if (spec.ms > 0) s.waves = completion_waves(run, static_cast<std::int64_t>(spec.ms * ns_per_ms / 2));
    if (run.probe && run.probe->error == error_kind::none)
        s.probe_ms = static_cast<double>(run.probe->end_ns - run.probe->start_ns) / ns_per_ms;
    s.queue_depths = queue_depths(run);
    return s;
}

std::size_t median_index(const std::vector<double>& walls) {
    if (walls.empty()) return 0;
    std::vector<std::size_t> order(walls.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return walls[a] < walls[b]; });
    return order[(walls.size() - 1) / 2];
}

}  // namespace lab
