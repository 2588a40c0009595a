#include "analysis/findings.hpp"

#include "analysis/analysis.hpp"

#include <algorithm>
#include <set>
#include <fmt/format.h>

namespace lab {

double physical_floor_ms(const arm_spec& arm) {
    return ideal_ms(model_kind::concurrent, arm.requests, arm.concurrency, arm.pool_threads, arm.ms);
}

static std::string format_duration(double ms) {
    return ms >= 1000 ? fmt::format("{:.2f} s", ms / 1000) : fmt::format("{:.0f} ms", ms);
}

static std::string explain(const arm_result& arm) {
    const auto& s = arm.stats;
    switch (s.verdict) {
        case model_kind::serialized:
            return fmt::format("{}: serialized — {}, so {} requests took {:.0f} ms, about {} × {:.0f} ms.",
                               arm.spec.name,
                               s.server_overlap < 1.5
                                   ? fmt::format("handlers ran one after another (server overlap {:.2f})",
                                                 s.server_overlap)
                                   : fmt::format("handlers were in flight together (server overlap {:.1f}) but "
                                                 "only one made progress at a time",
                                                 s.server_overlap),
                               arm.spec.requests, s.wall_ms, arm.spec.requests, arm.spec.ms);
        case model_kind::concurrent:
            if (arm.spec.requests <= arm.spec.concurrency)
                return fmt::format("{}: concurrent — handlers overlapped (server overlap {:.1f}), so {} requests "
                                   "finished in {:.0f} ms, {:.2f} × the {:.0f} ms of one request.",
                                   arm.spec.name, s.server_overlap, arm.spec.requests, s.wall_ms,
                                   s.wall_ms / arm.spec.ms, arm.spec.ms);
            return fmt::format("{}: concurrent — handlers overlapped (server overlap {:.1f}); {} requests at "
                               "concurrency {} took {:.0f} ms against an ideal of {:.0f} ms.",
                               arm.spec.name, s.server_overlap, arm.spec.requests, arm.spec.concurrency, s.wall_ms,
                               s.ideal_ms);
        case model_kind::pool:
            return fmt::format("{}: pool — {} threads took the blocking work off the loop; {:.0f} ms against an "
                               "ideal of {:.0f} ms.",
                               arm.spec.name, arm.spec.pool_threads, s.wall_ms, s.ideal_ms);
        case model_kind::parallel:
            return fmt::format("{}: parallel — {:.0f} ms against an ideal of {:.0f} ms.", arm.spec.name, s.wall_ms,
                               s.ideal_ms);
        case model_kind::none: break;
    }
    return fmt::format("{}: no model fits (t = 0 or nothing succeeded).", arm.spec.name);
}

double jobs_done_ms(const arm_result& arm) {
    std::int64_t last = 0;
    for (const auto& j : arm.jobs) last = std::max(last, j.end_ns);
    return last > 0 ? static_cast<double>(last - arm.run.t0_ns) / 1e6 : 0;
}

void add_speedups(scenario_result& result) {
    const arm_result* base = nullptr;
    for (const auto& arm : result.arms)
        if (arm.spec.name == result.baseline) base = &arm;
    if (!base || base->stats.wall_ms <= 0) return;
    for (auto& arm : result.arms)
        if (arm.stats.wall_ms > 0) arm.speedup = base->stats.wall_ms / arm.stats.wall_ms;
}

std::vector<std::string> findings(const scenario_result& result) {
    std::vector<std::string> notes;
    for (const auto& arm : result.arms) {
        if (arm.spec.route == "/tasks") {
            std::set<long long> threads;
            for (const auto& j : arm.jobs) threads.insert(j.thread);
            const double ideal = ideal_ms(model_kind::pool, static_cast<int>(arm.jobs.size()),
                                          static_cast<int>(arm.jobs.size()), arm.spec.task_workers, arm.spec.ms);
            notes.push_back(fmt::format(
                "{}: every job was accepted within {:.2f} ms (p99 of the POSTs); the {} jobs finished {:.0f} ms after "
                "the first was sent, on {} background threads (ideal ⌈{}/{}⌉ × {:.0f} ms = {:.0f} ms).",
                arm.spec.name, arm.stats.latency_ms.p99, arm.jobs.size(), jobs_done_ms(arm), threads.size(),
                arm.jobs.size(), arm.spec.task_workers, arm.spec.ms, ideal));
            continue;
        }
        if (!arm.stats.open_loop) notes.push_back(explain(arm));  // an open loop's wall is its schedule
        if (arm.stats.open_loop && arm.spec.ms > 0) {
            // Requests per second the route can finish: one at a time when serialized.
            const int lanes = arm.spec.model == model_kind::serialized
                                  ? 1
                                  : std::min(arm.spec.concurrency, arm.spec.lanes > 0 ? arm.spec.lanes : arm.spec.concurrency);
            const double capacity = 1000.0 / arm.spec.ms * lanes;
            const auto& s = arm.stats;
            notes.push_back(
                arm.spec.rate <= capacity
                    ? fmt::format("{}: {:g} requests/s against a capacity of about {:.0f}/s — the server keeps up; "
                                  "corrected p99 {} is close to uncorrected p99 {}.",
                                  arm.spec.name, arm.spec.rate, capacity, format_duration(s.corrected_ms.p99),
                                  format_duration(s.latency_ms.p99))
                    : fmt::format("{}: {:g} requests/s against a capacity of about {:.0f}/s — the queue grows for "
                                  "the whole run: latency from the planned send climbs from {} (first tenth) to {} "
                                  "(last tenth), while latency from the actual send stays near {} because the "
                                  "client waited before sending (coordinated omission).",
                                  arm.spec.name, arm.spec.rate, capacity, format_duration(s.corrected_first_tenth_ms),
                                  format_duration(s.corrected_last_tenth_ms), format_duration(s.latency_ms.p50)));
        }
        int failed = 0;
        for (int e : arm.stats.errors) failed += e;
        if (failed > 0)
            notes.push_back(fmt::format("{}: {} of {} requests failed — see the failed column.", arm.spec.name,
                                        failed, arm.spec.requests));
        if (arm.spec.seed_s) {
            double seed_ms = *arm.spec.seed_s * 1000;
            double floor = physical_floor_ms(arm.spec);
            if (seed_ms < floor * 0.99)
                notes.push_back(fmt::format(
                    "{}: the notes report ~{} s, below the physical floor of {:.2f} s ({} requests of {:.0f} ms at "
                    "concurrency {}): no scheduler finishes a {:.0f} ms wait sooner, so that figure cannot be "
                    "reproduced. This machine measured {:.3f} s, {:.3f}× the floor.",
                    arm.spec.name, *arm.spec.seed_s, floor / 1000, arm.spec.requests, arm.spec.ms,
                    arm.spec.concurrency, arm.spec.ms, arm.stats.wall_ms / 1000, arm.stats.wall_ms / floor));
        }
    }
    return notes;
}

}  // namespace lab
