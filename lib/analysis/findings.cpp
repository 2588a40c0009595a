#include "analysis/findings.hpp"

#include "analysis/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace lab {

namespace {

// How far the handlers overlapped, by the server's own account where it gave one (its fields
// or Server-Timing), else by the client's (the latencies' sum over the wall), said as such.
std::string overlap_clause(const arm_stats& s) {
    return s.server_fields ? fmt::format("server overlap {:.1f}", s.server_overlap)
                           : fmt::format("client overlap {:.1f}; the server's own is not measured", s.overlap);
}

}  // namespace

double physical_floor_ms(const arm_spec& arm) {
    return ideal_ms(model_kind::concurrent, arm.load.requests, arm.load.concurrency, arm.server.pool_threads, arm.ms);
}

static std::string format_duration(double ms) {
    return ms >= 1000 ? fmt::format("{:.2f} s", ms / 1000) : fmt::format("{:.0f} ms", ms);
}

static unsigned machine_cores_seen() { return std::max(1u, std::thread::hardware_concurrency()); }

std::string failure_counts(const arm_stats& s) {
    std::vector<std::string> kinds;
    for (auto kind : failure_kinds)
        if (int n = s.errors[failure_index(kind)]; n > 0) kinds.push_back(fmt::format("{} {}", n, to_string(kind)));
    return fmt::format("{}", fmt::join(kinds, ", "));
}

// A run with failures is not judged: say what failed, how often and when.
static std::string explain_failures(const arm_result& arm) {
    const auto& s = arm.stats;
    std::int64_t first = 0, last = 0;
    int failed = 0;
    for (const auto& r : arm.run.requests) {
        if (r.error == error_kind::none) continue;
        first = failed++ == 0 ? r.end_ns : std::min(first, r.end_ns);
        last = std::max(last, r.end_ns);
    }
    if (const auto& folded = arm.run.folded; folded.failures() > 0) {
        first = failed > 0 ? std::min(first, folded.first_failure_ns) : folded.first_failure_ns;
        last = std::max(last, folded.last_failure_ns);
        failed += static_cast<int>(folded.failures());
    }
    // Asked for but never answered: cut off in flight, or never sent, by an interruption.
    const int cancelled = arm.run.cancelled;
    const int never_sent = std::max(0, s.asked - s.ok - failed - cancelled);
    const std::string from = format_duration(static_cast<double>(first - arm.run.t0_ns) / 1e6);
    const std::string to = format_duration(static_cast<double>(last - arm.run.t0_ns) / 1e6);
    std::string what = failed > 0 ? fmt::format("{} of {} requests failed ({}), {} after the window opened", failed,
                                                s.asked, failure_counts(s),
                                                from == to ? "at " + from : fmt::format("from {} to {}", from, to))
                                  : std::string();
    const char* cut_by = arm.run.interrupted ? "the interruption" : "the end of the run";
    if (cancelled > 0 && s.asked == 0)
        what += fmt::format("{}no request finished in the time given; {} in flight were cancelled by {}",
                            what.empty() ? "" : "; ", cancelled, cut_by);
    else if (cancelled > 0)
        what += fmt::format("{}{} of {} were in flight when {} cancelled them", what.empty() ? "" : "; ", cancelled,
                            s.asked, cut_by);
    if (never_sent > 0)
        what += fmt::format("{}{} of {} were never sent", what.empty() ? "" : "; ", never_sent, s.asked);
    if (arm.run.probe && arm.run.probe->error != error_kind::none)
        what += fmt::format("{}the probe {} failed ({})", what.empty() ? "" : "; ", arm.spec.load.probe_route,
                            to_string(arm.run.probe->error));
    const auto repeats = arm.repeat_wall_ms.size();
    const std::string which = repeats > 1 ? fmt::format(" in run {} of {} ({} of the {} runs had failures)",
                                                        arm.shown_repeat + 1, repeats, arm.failed_repeats, repeats)
                                          : std::string();
    return fmt::format("{}: {} — {}; {} succeeded{}. No model is judged unless every request asked for is answered{}.",
                       arm.spec.name, verdict_name(s), what, s.ok, which,
                       arm.spec.expect_failures ? " (here the failures are the lesson)" : "");
}

static double ideal_of(const arm_stats& s, model_kind m) {
    for (const auto& i : s.ideals)
        if (i.model == m) return i.ms;
    return 0;
}

// A measurement too far from every model to be called "about" one: say where it falls.
static std::string explain_between(const arm_result& arm) {
    const auto& s = arm.stats;
    std::vector<model_ideal> sorted = s.ideals;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.ms < b.ms; });
    const model_ideal* below = nullptr;
    const model_ideal* above = nullptr;
    for (const auto& i : sorted) {
        if (i.ms <= s.wall_ms) below = &i;
        if (i.ms >= s.wall_ms && !above) above = &i;
    }
    const std::string shared =
        arm.spec.route == route_id::cpu ? fmt::format(" — the server's CPU work shared this machine's {} cores with the client",
                                               machine_cores_seen())
                                 : "";
    if (below && above)
        return fmt::format("{}: {} lies between the {} ideal of {} and the {} ideal of {}, nearer the {} "
                           "({:.2f} × its ideal){}.",
                           arm.spec.name, format_duration(s.wall_ms), to_string(below->model), format_duration(below->ms),
                           to_string(above->model), format_duration(above->ms), to_string(s.verdict),
                           s.wall_ms / ideal_of(s, s.verdict), shared);
    if (above)
        return fmt::format("{}: {} is below every model's ideal (the fastest, {}, is {}): no scheduler finishes "
                           "sooner, so a clock or a record is wrong.",
                           arm.spec.name, format_duration(s.wall_ms), to_string(above->model), format_duration(above->ms));
    return fmt::format("{}: {} is {:.2f} × even the slowest model's ideal ({} {}): slower than anything the route's "
                       "model predicts{}.",
                       arm.spec.name, format_duration(s.wall_ms), s.wall_ms / below->ms, to_string(below->model),
                       format_duration(below->ms), shared);
}

// The wall and the server's own overlap point at different models: say both, name neither.
static std::string explain_dispute(const arm_result& arm) {
    const auto& s = arm.stats;
    const bool together = s.wall_fits == model_kind::serialized;
    return fmt::format("{}: disputed — the wall, {}, is nearest the {} ideal of {}, but the server's handlers {} "
                       "(server overlap {:.2f}). The two measures disagree, so no model is named: a busy machine "
                       "delays the client or the server; run it again, or with --repeat.",
                       arm.spec.name, format_duration(s.wall_ms), to_string(s.wall_fits),
                       format_duration(ideal_of(s, s.wall_fits)),
                       together ? "ran together" : "ran one after another", s.server_overlap);
}

// "3 / 1 across 2 workers: the busiest took 3 × 100 ms": the split a prefork arm is judged on.
static std::string split_clause(const arm_result& arm) {
    const auto& s = arm.stats;
    if (arm.spec.server.workers <= 1 || s.per_pid.empty()) return "";
    std::vector<int> counts;
    for (const auto& [pid, n] : s.per_pid) counts.push_back(n);
    // A worker that served nothing has no pid in the map, and is shown: a 4 / 0 split is the lesson.
    counts.resize(std::max(counts.size(), static_cast<std::size_t>(arm.spec.server.workers)), 0);
    std::sort(counts.rbegin(), counts.rend());
    return fmt::format("{} across {} workers: the busiest served {} of the {} requests", fmt::join(counts, " / "),
                       arm.spec.server.workers, counts.front(), s.ok);
}

static std::string explain(const arm_result& arm) {
    const auto& s = arm.stats;
    if (s.outcome != run_outcome::judged) return explain_failures(arm);
    if (s.ideals.empty()) return fmt::format("{}: no model fits (no t to model).", arm.spec.name);
    if (models_alike(s))
        return fmt::format("{}: {} — every model allows {} here ({} request{} at concurrency {}), so this run cannot "
                           "tell them apart; more requests than one, on more connections than one, would.",
                           arm.spec.name, format_duration(s.wall_ms), format_duration(s.ideals.front().ms),
                           arm.spec.load.requests, arm.spec.load.requests == 1 ? "" : "s", arm.spec.load.concurrency);
    if (arm.spec.ms < min_telling_ms)
        return fmt::format("{}: {} for {} requests of {:g} ms — too short to tell the models apart: a request's own "
                           "costs (connect, parse, write) are of that size. Ask for {:g} ms or more (--ms).",
                           arm.spec.name, format_duration(s.wall_ms), arm.spec.load.requests, arm.spec.ms, min_telling_ms);
    if (s.disputed) return explain_dispute(arm);
    if (s.verdict == model_kind::none) return fmt::format("{}: no model fits.", arm.spec.name);
    const double ideal = ideal_of(s, s.verdict);
    if (std::abs(std::log(s.wall_ms / ideal)) > std::log(verdict_tolerance)) return explain_between(arm);
    const std::string split = split_clause(arm);
    switch (s.verdict) {
        case model_kind::serialized:
            return fmt::format("{}: serialized — {}{}, so {} requests took {:.0f} ms, about {} × {:.0f} ms.",
                               arm.spec.name, split.empty() ? "" : split + ", one at a time; ",
                               s.server_overlap < 1.5
                                   ? fmt::format("handlers ran one after another (server overlap {:.2f})",
                                                 s.server_overlap)
                                   : fmt::format("handlers were in flight together (server overlap {:.1f}) but "
                                                 "only one made progress at a time",
                                                 s.server_overlap),
                               arm.spec.load.requests, s.wall_ms, arm.spec.load.requests, arm.spec.ms);
        case model_kind::concurrent:
            if (arm.spec.load.requests <= arm.spec.load.concurrency)
                return fmt::format("{}: concurrent — handlers overlapped ({}), so {} requests "
                                   "finished in {:.0f} ms, {:.2f} × the {:.0f} ms of one request.",
                                   arm.spec.name, overlap_clause(s), arm.spec.load.requests, s.wall_ms,
                                   s.wall_ms / arm.spec.ms, arm.spec.ms);
            return fmt::format("{}: concurrent — handlers overlapped ({}); {} requests at "
                               "concurrency {} took {:.0f} ms against an ideal of {:.0f} ms.",
                               arm.spec.name, overlap_clause(s), arm.spec.load.requests, arm.spec.load.concurrency, s.wall_ms,
                               ideal);
        case model_kind::pool:
            if (!on_lab(arm.spec))  // another server's pool: its size is not known here
                return fmt::format("{}: pool — the handlers overlapped off the loop ({}); {:.0f} ms "
                                   "against an ideal of {:.0f} ms.",
                                   arm.spec.name, overlap_clause(s), s.wall_ms, ideal);
            return fmt::format("{}: pool — {} threads took the blocking work off the loop; {:.0f} ms against an "
                               "ideal of {:.0f} ms.",
                               arm.spec.name, arm.spec.server.pool_threads, s.wall_ms, ideal);
        case model_kind::parallel:
            if (!split.empty())
                return fmt::format("{}: parallel — {}, which sets the ideal at {:.0f} ms; measured {:.0f} ms.",
                                   arm.spec.name, split, ideal, s.wall_ms);
            return fmt::format("{}: parallel — {:.0f} ms against an ideal of {:.0f} ms.", arm.spec.name, s.wall_ms,
                               ideal);
        case model_kind::none: break;
    }
    return "";
}

std::string blocked_place(const arm_stats::blocked_figures& b) {
    if (b.where.file.empty()) return "(ended before it was sampled)";
    const auto file = std::filesystem::path(b.where.file).filename().string();
    return fmt::format("{}{}:{} in {}", b.where.in_app ? "" : "(not the app's code) ", file, b.where.line,
                       b.where.function);
}

std::string blocked_code(const arm_stats::blocked_figures& b) {
    if (b.where.call.empty()) return b.where.code;
    return fmt::format("{} → {}", b.where.code, b.where.call);
}

// "the loop was blocked 20 times (1.00 s) at app.py:27 in fetch_order: time.sleep(0.05)": the
// place that held a probed loop longest, or empty when nothing did.
std::string top_blocked(const arm_stats& s) {
    if (s.blocked.empty()) return "";
    const auto& b = s.blocked.front();
    const std::string times = b.stalls == 1 ? std::string("once") : fmt::format("{} times", b.stalls);
    if (b.where.file.empty())
        return fmt::format("the loop was blocked {} ({}), {}ending before the watchdog could see where", times,
                           format_duration(b.ms), b.stalls == 1 ? "" : "each time ");
    return fmt::format("the loop was blocked {} ({}) at {}: {}", times, format_duration(b.ms), blocked_place(b),
                       blocked_code(b));
}

double jobs_done_ms(const arm_result& arm) {
    std::int64_t last = 0;
    for (const auto& j : arm.jobs) last = std::max(last, j.end_ns);
    return last > 0 ? static_cast<double>(last - arm.run.t0_ns) / 1e6 : 0;
}

double results_in_ms(const arm_result& arm) { return queues_jobs(arm.spec) ? jobs_done_ms(arm) : arm.stats.wall_ms; }

double results_per_s(const arm_result& arm) {
    const double ms = results_in_ms(arm);
    const double results = queues_jobs(arm.spec) ? static_cast<double>(arm.jobs.size()) : arm.stats.ok;
    return ms > 0 ? results * 1000 / ms : 0;
}

load_ending load_notes(const arm_result& arm, const load_request& asked) {
    load_ending out;
    auto& notes = out.notes;
    const auto& run = arm.run;
    const double ran_s = static_cast<double>(run.t1_ns - run.t0_ns) / 1e9;
    if (run.record_limit_reached)
        out.warnings.push_back(fmt::format("stopped after {} requests, the most one run records ({:.1f} of {:g} s)",
                                    run.total(), ran_s, asked.duration_s));
    if (run.interrupted)
        out.warnings.push_back(fmt::format("interrupted after {:.1f} {}{}", ran_s,
                                    asked.duration_s > 0 ? fmt::format("of {:g} s", asked.duration_s)
                                                         : fmt::format("s, {} of {} requests recorded",
                                                                       run.total(), asked.requests),
                                    run.cancelled > 0 ? fmt::format(" ({} in flight cancelled)", run.cancelled) : ""));
    else if (run.cancelled > 0)
        notes.push_back(fmt::format("{} requests still in flight when the {:g} s ended were cancelled (not counted as "
                                    "failures)",
                                    run.cancelled, asked.duration_s));
    // An open loop measures every request it scheduled, however late the answers come; a
    // tenth of a second past the schedule is the last request's own time.
    if (asked.rate > 0 && asked.duration_s > 0 && !run.interrupted && ran_s > asked.duration_s + 0.1)
        notes.push_back(fmt::format("the open loop ran {:.1f} s past its {:g} s to measure the {} requests scheduled "
                                    "in it (each bounded by the {:g} s timeout): a server slower than the rate builds "
                                    "a backlog, and dropping it would hide the latency it causes",
                                    ran_s - asked.duration_s, asked.duration_s, run.total() + run.unsent + run.cancelled,
                                    asked.timeout_s));
    if (run.unsent > 0)
        out.warnings.push_back(fmt::format("the server fell so far behind the rate that {} scheduled requests were never "
                                           "sent: an open loop drains its backlog for at most another {:g} s past its "
                                           "{:g} s",
                                           run.unsent, std::max(asked.duration_s, 1.0), asked.duration_s));
    if (run.folded.count > 0)
        notes.push_back(fmt::format("the first {} of the {} requests are kept as records (the timeline, the CSV and "
                                    "requests_detail show them); every request is in the counts, the percentiles "
                                    "(from histograms, within {:.1f} %) and the per-second series",
                                    run.requests.size(), run.total(), latency_histogram::relative_error * 100));
    return out;
}

bool every_arm_judged(const scenario_result& result) {
    return std::all_of(result.arms.begin(), result.arms.end(), [](const arm_result& a) {
        return a.stats.outcome == run_outcome::judged || a.spec.expect_failures;
    });
}

void add_speedups(scenario_result& result) {
    const arm_result* base = nullptr;
    for (const auto& arm : result.arms)
        if (arm.spec.name == result.baseline) base = &arm;
    if (!base || base->stats.wall_ms <= 0) return;
    for (auto& arm : result.arms)
        if (arm.stats.wall_ms > 0) arm.speedup = base->stats.wall_ms / arm.stats.wall_ms;
}

static std::string format_duration_fine(double ms) {
    if (ms < 0.1) return fmt::format("{:.0f} µs", ms * 1000);
    return ms >= 10 ? format_duration(ms) : fmt::format("{:.1f} ms", ms);
}

// One sentence for the scenario from the servers' own loop monitors: what the notes call "the
// event loop is FROZEN", measured inside the server rather than inferred from client times.
static std::string lag_note(const scenario_result& result) {
    std::string parts;
    double interval_ms = 0;
    for (const auto& arm : result.arms) {
        const auto& lag = arm.stats.loop_lag;
        if (!lag) continue;
        interval_ms = lag->interval_ms;
        std::string part;
        if (lag->stalls == 1)
            part = fmt::format("{} was frozen once, for {}", arm.spec.name, format_duration_fine(lag->max_ms));
        else if (lag->stalls > 1)
            part = fmt::format("{} was frozen {} times, for about {} each (the longest {})", arm.spec.name, lag->stalls,
                               format_duration_fine(lag->stalled_ms / static_cast<double>(lag->stalls)),
                               format_duration_fine(lag->max_ms));
        else if (lag->max_is_bound)
            part = fmt::format("{} was never late by 1 ms or more", arm.spec.name);
        else
            part = fmt::format("{} was never late by more than {}", arm.spec.name, format_duration_fine(lag->max_ms));
        if (lag->at_least) part += " (at least: the server kept the times of its first 4 096 late ticks only)";
        parts += (parts.empty() ? "" : "; ") + part;
    }
    if (parts.empty()) return {};
    return fmt::format("the server's own loop, timed by a tick every {}: {}.", format_duration_fine(interval_ms), parts);
}

// The arm best by `score` (lower is better when `lower`), and whether another came within 10 %
// of it: then the run does not tell them apart, and no winner is named.
template <class Score>
std::string winner(const scenario_result& result, Score score, bool lower, const std::string& unit_text) {
    const arm_result* best = nullptr;
    for (const auto& a : result.arms)
        if (!best || (lower ? score(a) < score(*best) : score(a) > score(*best))) best = &a;
    std::vector<std::string> alike;
    for (const auto& a : result.arms) {
        const double x = score(a), b = score(*best);
        if (&a != best && std::abs(x - b) <= 0.1 * std::max(std::abs(x), std::abs(b))) alike.push_back(a.spec.name);
    }
    const auto figure = fmt::vformat(unit_text, fmt::make_format_args(score(*best)));
    if (alike.empty()) return fmt::format("{} ({})", best->spec.name, figure);
    return fmt::format("{} and {} alike (within 10 %: {})", best->spec.name, fmt::join(alike, " and "), figure);
}

// When a job is answered only with its result, the answer and the result are one moment; a
// queue answers at once and the result comes later. Which arm wins which of the three, in
// one sentence — the teaching notes' Part 7 cheat sheet, measured.
static std::string options_note(const scenario_result& result) {
    const bool any_queue = std::any_of(result.arms.begin(), result.arms.end(),
                                       [](const arm_result& a) { return queues_jobs(a.spec); });
    if (!any_queue || result.arms.size() < 2) return {};
    for (const auto& a : result.arms)
        if (a.stats.outcome != run_outcome::judged || results_in_ms(a) <= 0) return {};  // no winner among failures
    return fmt::format(
        "answered soonest: {}; every result soonest: {}; most results a second: {}.",
        winner(result, [](const arm_result& a) { return a.stats.latency_ms.p99; }, true, "p99 {:.2f} ms"),
        winner(result, [](const arm_result& a) { return results_in_ms(a); }, true, "{:.0f} ms"),
        winner(result, [](const arm_result& a) { return results_per_s(a); }, false, "{:.1f}/s"));
}

// A background queue's arm: how soon its jobs were accepted, and when and where they finished.
static std::string queue_note(const arm_result& arm) {
    std::set<long long> threads;
    for (const auto& j : arm.jobs) threads.insert(j.thread);
    // CPU jobs run no faster than the cores allow, however many workers take them.
    const int lanes = arm.spec.cpu_task ? std::min<int>(arm.spec.server.task_workers, static_cast<int>(machine_cores_seen()))
                                        : arm.spec.server.task_workers;
    const double ideal = ideal_ms(model_kind::pool, static_cast<int>(arm.jobs.size()),
                                  static_cast<int>(arm.jobs.size()), lanes, arm.spec.ms);
    return fmt::format(
        "{}: every job was accepted within {:.2f} ms (p99 of the POSTs); {} finished {:.0f} ms after "
        "the first was sent, on {} (ideal ⌈{}/{}⌉ × {:.0f} ms = {:.0f} ms).",
        arm.spec.name, arm.stats.latency_ms.p99,
        arm.jobs.size() == 1 ? std::string("the job") : fmt::format("the {} jobs", arm.jobs.size()), jobs_done_ms(arm),
        threads.size() == 1 ? std::string("one background thread") : fmt::format("{} background threads", threads.size()),
        arm.jobs.size(), lanes, arm.spec.ms, ideal);
}

// An open loop against its route's capacity: kept up, or a queue that grew (coordinated omission).
static std::string open_loop_note(const arm_result& arm) {
    // Requests per second the route can finish: one at a time when serialized.
    const int lanes = arm.spec.model == model_kind::serialized
                          ? 1
                          : std::min(arm.spec.load.concurrency, arm.spec.lanes > 0 ? arm.spec.lanes : arm.spec.load.concurrency);
    const double capacity = 1000.0 / arm.spec.ms * lanes;
    const auto& s = arm.stats;
    if (arm.spec.load.rate <= capacity)
        return fmt::format("{}: {:g} requests/s against a capacity of about {:.0f}/s — the server keeps up; "
                           "corrected p99 {} is close to uncorrected p99 {}.",
                           arm.spec.name, arm.spec.load.rate, capacity, format_duration(s.corrected_ms.p99),
                           format_duration(s.latency_ms.p99));
    return fmt::format("{}: {:g} requests/s against a capacity of about {:.0f}/s — the queue grows for "
                       "the whole run: latency from the planned send climbs from {} (first tenth) to {} "
                       "(last tenth), while latency from the actual send stays near {} because the "
                       "client waited before sending (coordinated omission).",
                       arm.spec.name, arm.spec.load.rate, capacity, format_duration(s.corrected_first_tenth_ms),
                       format_duration(s.corrected_last_tenth_ms), format_duration(s.latency_ms.p50));
}

// The teaching notes' own figure, when it is below what physics allows.
static std::string seed_note(const arm_result& arm) {
    const double seed_ms = *arm.spec.seed_s * 1000;
    const double floor = physical_floor_ms(arm.spec);
    if (seed_ms >= floor * 0.99) return {};
    return fmt::format(
        "{}: the notes report ~{} s, below the physical floor of {:.2f} s ({} requests of {:.0f} ms at "
        "concurrency {}): no scheduler finishes a {:.0f} ms wait sooner, so that figure cannot be "
        "reproduced. This machine measured {:.3f} s, {:.3f}× the floor.",
        arm.spec.name, *arm.spec.seed_s, floor / 1000, arm.spec.load.requests, arm.spec.ms, arm.spec.load.concurrency,
        arm.spec.ms, arm.stats.wall_ms / 1000, arm.stats.wall_ms / floor);
}

// Everything one arm's run says, in the order a reader asks.
static void arm_notes(const arm_result& arm, std::vector<std::string>& notes) {
    if (queues_jobs(arm.spec)) return notes.push_back(queue_note(arm));
    if (!arm.stats.open_loop) notes.push_back(explain(arm));  // an open loop's wall is its schedule
    if (!on_lab(arm.spec) && !arm.stats.server_fields && arm.stats.ok > 0)
        notes.push_back(fmt::format("{}: {} answered without the fields protocol (pid, thread, start_ns, end_ns; "
                                    "docs/targets.md), so the figures are the client's alone: no server lanes, "
                                    "server overlap or split.",
                                    arm.spec.name, target_label(arm.spec)));
    if (arm.stats.open_loop && arm.spec.ms > 0) notes.push_back(open_loop_note(arm));
    // An open loop's wall is its schedule, so its failures get a sentence of their own.
    if (arm.stats.open_loop && arm.stats.outcome != run_outcome::judged) {
        notes.push_back(explain_failures(arm));
        // A request that timed out has no answer to measure to: the corrected figures leave
        // it out, and would look better than the run was if nothing said so.
        notes.push_back(fmt::format("{}: the corrected latency and the queueing delay are those of the {} "
                                    "requests that were answered; the others are not in them, so the run was "
                                    "worse than they show",
                                    arm.spec.name, arm.stats.ok));
    }
    if (arm.spec.seed_s)
        if (auto note = seed_note(arm); !note.empty()) notes.push_back(std::move(note));
    if (auto top = top_blocked(arm.stats); !top.empty()) {
        const auto places = arm.stats.blocked.size();
        notes.push_back(fmt::format("{}: {}{}.", arm.spec.name, top,
                                    places > 1 ? fmt::format(" ({} places in all: the table above)", places) : ""));
    }
    if (const auto& ended = arm.target_ended)
        notes.push_back(fmt::format("{}: the target command {} (noticed {}); requests in flight then failed, and "
                                    "none was sent again (the server may have started them).",
                                    arm.spec.name, ended->how,
                                    ended->at_ns < arm.run.t0_ns
                                        ? std::string("before the timed window opened")
                                        : format_duration(static_cast<double>(ended->at_ns - arm.run.t0_ns) / 1e6) +
                                              " after the timed window opened"));
}

std::vector<std::string> findings(const scenario_result& result) {
    std::vector<std::string> notes;
    if (auto lag = lag_note(result); !lag.empty()) notes.push_back(std::move(lag));
    for (const auto& arm : result.arms) arm_notes(arm, notes);
    if (auto options = options_note(result); !options.empty()) notes.push_back(std::move(options));
    return notes;
}

}  // namespace lab
