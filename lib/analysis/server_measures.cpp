#include "analysis/analysis.hpp"

#include <algorithm>
#include <map>

namespace lab {

namespace {

constexpr std::int64_t late_tick_ns = 1'000'000;   // the server keeps ticks this late as intervals
constexpr std::int64_t stall_tick_ns = 10'000'000;  // and counts those this late as stalls

using span = std::pair<std::int64_t, std::int64_t>;

// The part of [a, b] inside [from, to]; empty (a == b) when none.
span clip(span s, std::int64_t from, std::int64_t to) {
    const auto a = std::clamp(s.first, from, to), b = std::clamp(s.second, from, to);
    return {a, std::max(a, b)};
}

void keep_window(server_telemetry& t, std::int64_t from, std::int64_t to) {
    for (auto& loop : t.loops) {
        std::vector<span> inside;
        for (auto s : loop.late)
            if (auto c = clip(s, from, to); c.second > c.first) inside.push_back(c);
        loop.late = std::move(inside);
    }
    std::vector<gil_hold> holds;
    for (auto h : t.gil) {
        if (h.end_ns <= from || h.want_ns >= to) continue;
        h.want_ns = std::clamp(h.want_ns, from, to);
        h.got_ns = std::clamp(h.got_ns, from, to);
        h.end_ns = std::clamp(h.end_ns, from, to);
        holds.push_back(h);
    }
    t.gil = std::move(holds);
    std::vector<blocked_stall> stalls;
    for (auto b : t.blocked) {
        if (b.ran_ns <= from || b.due_ns >= to) continue;
        b.due_ns = std::clamp(b.due_ns, from, to);
        b.ran_ns = std::clamp(b.ran_ns, from, to);
        stalls.push_back(b);
    }
    t.blocked = std::move(stalls);
}

// What held a probed loop in the window, by place (every process's together), the longest first.
void add_blocked(const server_telemetry& t, arm_stats& stats) {
    stats.blocked.clear();
    stats.blocked_threshold_ms = t.blocked_threshold_ms;
    std::map<int, arm_stats::blocked_figures> by_place;
    for (const auto& b : t.blocked) {
        auto& f = by_place[b.location];
        if (f.stalls++ == 0 && b.location >= 0 && static_cast<std::size_t>(b.location) < t.blocked_at.size())
            f.where = t.blocked_at[static_cast<std::size_t>(b.location)];
        f.ms += static_cast<double>(b.ran_ns - b.due_ns) / 1e6;
    }
    for (auto& [index, f] : by_place) stats.blocked.push_back(std::move(f));
    std::stable_sort(stats.blocked.begin(), stats.blocked.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
}

// One loop's figures inside the window, from its late ticks (kept from 1 ms): below that the
// server keeps no times, so a window without a late tick says "under 1 ms" — exactly, when the
// loop was never that late in its life. The histogram's p99 covers the server's life, so it is
// given only for a server started for the run.
void add_loop(const loop_lag& l, bool fresh_server, arm_stats::lag_figures& lag) {
    double max_ms = 0;
    if (l.late_dropped > 0 && fresh_server) {
        // Past its first 4 096 late ticks the server kept counts, not times: for a server
        // started for the run its life's counts are the run's.
        max_ms = l.max_ms;
        lag.stalls += l.stalls;
        lag.stalled_ms += l.stalled_ms;
    } else {
        for (auto [a, b] : l.late) {
            const auto late = b - a;
            max_ms = std::max(max_ms, static_cast<double>(late) / 1e6);
            if (late >= stall_tick_ns) {
                lag.stalls++;
                lag.stalled_ms += static_cast<double>(late) / 1e6;
            }
        }
        // A server with a history whose ring filled up: the window's figures are a floor.
        lag.at_least = lag.at_least || l.late_dropped > 0;
    }
    const bool never_late = l.late.empty();
    if (never_late) max_ms = l.max_ms < late_tick_ns / 1e6 ? l.max_ms : late_tick_ns / 1e6;
    const bool bound = never_late && l.max_ms >= late_tick_ns / 1e6;
    if (max_ms > lag.max_ms || (max_ms == lag.max_ms && !bound)) {
        lag.max_ms = max_ms;
        lag.max_is_bound = bound;
    }
    // Never above the window's max: a stall outside the window is in the histogram, not in this run.
    if (fresh_server) lag.p99_ms = std::max(lag.p99_ms.value_or(0), std::min(l.p99_ms, max_ms));
    lag.interval_ms = l.interval_ms;
    lag.processes++;
}

}  // namespace

void add_server_measures(server_telemetry& telemetry, arm_stats& stats, std::int64_t from, std::int64_t to,
                         bool fresh_server) {
    keep_window(telemetry, from, to);
    arm_stats::lag_figures lag;
    for (const auto& l : telemetry.loops) {
        // No monitor (--lag-interval-us 0), or a tick too rare to fall due twice in the window:
        // nothing to say about this loop rather than "never late".
        if (l.ticks == 0 || l.interval_ms <= 0 || 2 * l.interval_ms * 1e6 > static_cast<double>(to - from)) continue;
        add_loop(l, fresh_server, lag);
    }
    stats.loop_lag.reset();
    if (lag.processes > 0) stats.loop_lag = lag;
    std::map<std::pair<std::int64_t, std::int64_t>, arm_stats::gil_thread> threads;
    for (const auto& h : telemetry.gil) {
        auto& t = threads[{h.pid, h.thread}];
        t.pid = h.pid;
        t.thread = h.thread;
        t.held_ms += static_cast<double>(h.end_ns - h.got_ns) / 1e6;
        t.waited_ms += static_cast<double>(h.got_ns - h.want_ns) / 1e6;
        t.holds++;
    }
    stats.gil_threads.clear();
    for (auto& [key, t] : threads) stats.gil_threads.push_back(t);
    add_blocked(telemetry, stats);
    // Counted over the server's life, which is the run's: the pool is asked nothing else.
    stats.db_pool = fresh_server ? telemetry.db_pool : std::nullopt;
}

std::int64_t measured_until(const arm_result& arm) {
    std::int64_t end = std::max(last_answer_ns(arm.run), arm.run.t1_ns);
    for (const auto& j : arm.jobs) end = std::max(end, j.end_ns);
    return end;
}

}  // namespace lab
