#pragma once
// Statistics, ideal models and verdicts (DESIGN.md §4). Pure: records in, numbers out.
#include "model/records.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

namespace lab {

// The most intervals open at one instant (one that ends as another starts makes not two).
int max_at_once(std::vector<std::pair<std::int64_t, std::int64_t>> intervals);

// A run's last answer, the probe's included; the window's start when none came.
std::int64_t last_answer_ns(const load_run& run);

// min, p50, p90, p99, p99.9 and max of a set of values.
latency_summary summarize(std::vector<double> values);

// Nearest-rank percentile of an ascending vector; p in [0, 100]. Empty input gives 0.
double percentile(const std::vector<double>& sorted, double p);

// Ideal wall time of N requests of t ms each at client concurrency C, for one model.
// `lanes` is the pool size K for `pool` and the parallel lanes P for `parallel`.
double ideal_ms(model_kind model, int n, int c, int lanes, double t_ms);

// The candidate whose ideal is closest (as a ratio) to the measured wall; ties go to
// `expected`. `none` when no candidate has a positive ideal.
model_kind closest_of(double wall_ms, const std::vector<model_ideal>& candidates, model_kind expected);

// Below this t, a request's own fixed costs (connect, parse, write) are of the handler's size
// and the models cannot be told apart: no verdict is named.
inline constexpr double min_telling_ms = 10;

// Whether every model the run was weighed against allows the same wall (one request, one
// connection): then no verdict is named either.
// (One model left — the others ruled out by what the server showed — is not alike: it is the
// one the run is judged against.)
inline bool models_alike(const arm_stats& s) {
    if (s.ideals.size() < 2) return false;
    double lo = s.ideals.front().ms, hi = lo;
    for (const auto& m : s.ideals) lo = std::min(lo, m.ms), hi = std::max(hi, m.ms);
    return hi <= lo * 1.01;
}

// How far a measurement may stray from the verdict's ideal and still be called "about"
// it: within a factor of 1.25 either way.
inline constexpr double verdict_tolerance = 1.25;

// The server's handler overlap that rules a model out, whatever the wall says (issue 28): well
// above 1, the handlers ran together, so not serialized; near 1, one after another, so not
// concurrent, pool or parallel. Only where a handler's mean duration is within
// server_stretch_limit × t: longer ones shared a core or a lock, and overlap proves nothing.
inline constexpr double server_overlapped = 1.5;
inline constexpr double server_one_at_a_time = 1.15;
inline constexpr double server_stretch_limit = 1.5;

// The ideal of a prefork arm on the split that happened: each worker serves only its own
// requests, so the busiest one sets the pace (3 / 1 on two workers of 100 ms: 300 ms).
// Never below the arm's balanced ideal, which counts the cores the workers share.
double split_ideal_ms(const arm_spec& spec, const std::map<long long, int>& per_pid);

// Whether handlers of two different processes ever ran at the same moment.
bool processes_overlapped(const load_run& run);

// The model whose ideal wall time is closest (as a ratio) to the measured one.
// Models with equal ideals are told apart by `expected`, the arm's own model.
// `floor_ms` raises every model's ideal to at least that (an open loop's schedule).
model_kind closest_model(double wall_ms, int n, int c, int lanes, double t_ms, model_kind expected,
                         double floor_ms = 0);

// Σ durations / span of the intervals: ≈1 when they ran one after another, ≈count
// when they all overlapped. Intervals are [start, end] in nanoseconds.
struct interval { std::int64_t start, end; };
double overlap_factor(const std::vector<interval>& intervals);

// Groups successful completion times into bursts separated by gaps longer than
// `gap_ns`, and returns the size of each: a pool of 40 serving 100 gives {40, 40, 20}.
std::vector<int> completion_waves(const load_run& run, std::int64_t gap_ns);

arm_stats analyze(const arm_spec& spec, const load_run& run);

// What a lab server said of itself, inside the run's window [from, to]: its late ticks and
// GIL holds are clipped to it (so a server with a history lends the run none of it), then its
// loops' lag (the worst process's max, every process's stalls; the p99 only for a
// `fresh_server`, started for the run, as it covers the server's life) and with --gil each
// thread's time holding and waiting for the lock.
void add_server_measures(server_telemetry& telemetry, arm_stats& stats, std::int64_t from, std::int64_t to,
                         bool fresh_server);

// The end of the window a run's server measures are read in: its last answer (the probe's
// included), or its last background job's end.
std::int64_t measured_until(const arm_result& arm);

// Index of the run with the median wall time (the lower median for even counts).
std::size_t median_index(const std::vector<double>& walls);

}  // namespace lab
