#include "report/format_units.hpp"
#include "report/report.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace lab {

namespace {

bool any_gil(const scenario_result& r) {
    return std::any_of(r.arms.begin(), r.arms.end(), [](const arm_result& a) { return !a.stats.gil_threads.empty(); });
}

double waited_share(const arm_stats::gil_thread& t) {
    const double total = t.held_ms + t.waited_ms;
    return total > 0 ? t.waited_ms / total : 0;
}

// "48 % / 52 %" for a few threads, "41–58 % (8 threads)" for more: of each thread's time with
// the GIL in view (asking or holding), the part it spent asking.
std::string gil_text(const arm_stats& s) {
    if (s.gil_threads.empty()) return "—";
    if (s.gil_threads.size() <= 4) {
        std::string out;
        for (const auto& t : s.gil_threads) out += fmt::format("{}{:.0f} %", out.empty() ? "" : " / ", 100 * waited_share(t));
        return out;
    }
    auto [lo, hi] = std::minmax_element(s.gil_threads.begin(), s.gil_threads.end(),
                                        [](const auto& a, const auto& b) { return waited_share(a) < waited_share(b); });
    const auto low = fmt::format("{:.0f}", 100 * waited_share(*lo)), high = fmt::format("{:.0f}", 100 * waited_share(*hi));
    if (low == high) return fmt::format("{} % each ({} threads)", low, s.gil_threads.size());
    return fmt::format("{}–{} % ({} threads)", low, high, s.gil_threads.size());
}

bool any_db(const scenario_result& r) {
    return std::any_of(r.arms.begin(), r.arms.end(), [](const arm_result& a) { return a.stats.db_pool.has_value(); });
}

// "7 of 10 waited, 348 ms each (3 connections)": the queries that found the pool empty.
std::string db_text(const arm_stats& s) {
    if (!s.db_pool) return "—";
    const auto& db = *s.db_pool;
    const std::string pool = fmt::format("{} connection{}", db.connections, db.connections == 1 ? "" : "s");
    if (db.waits == 0) return fmt::format("none of {} ({})", db.takes, pool);
    return fmt::format("{} of {}, {} each ({})", db.waits, db.takes, format_ms(db.waited_ms / static_cast<double>(db.waits)), pool);
}

// "9 · 4.5": the most requests in the state at once, and how many on average.
std::string depth_text(const arm_stats& s, request_state state) {
    if (!s.queue_depths) return "—";
    const auto i = static_cast<std::size_t>(state);
    return fmt::format("{} · {:.1f}", s.queue_depths->max[i], s.queue_depths->mean[i]);
}

}  // namespace

summary_table server_summary(const scenario_result& r) {
    summary_table t;
    const bool gil = any_gil(r);
    t.header = {"inside the server", "loop lag max", "p99", "stalls ≥ 10 ms", "frozen"};
    t.right_aligned = {false, true, true, true, true};
    if (gil) {
        t.header.insert(t.header.end(), {"GIL holds", "waited for the GIL"});
        t.right_aligned.insert(t.right_aligned.end(), {true, true});
    }
    // The queues as numbers (DESIGN.md §11): the first measured ready-queue length of a loop.
    const bool states = std::any_of(r.arms.begin(), r.arms.end(), [](const arm_result& a) { return a.stats.queue_depths.has_value(); });
    if (states) {
        t.header.insert(t.header.end(), {"ready max · mean", "waiting", "in the kernel"});
        t.right_aligned.insert(t.right_aligned.end(), {true, true, true});
    }
    const bool db = any_db(r);
    if (db) {
        t.header.push_back("waited for a db connection");
        t.right_aligned.push_back(true);
    }
    for (const auto& a : r.arms) {
        const auto& lag = a.stats.loop_lag;
        if (!lag && a.stats.gil_threads.empty() && !a.stats.db_pool && !a.stats.queue_depths) continue;
        std::vector<std::string> row{a.spec.name};
        if (lag) {
            // Of each loop's time: with workers, every process's loop could freeze for the whole wall.
            const double loops_ms = a.stats.wall_ms * std::max(1, lag->processes);
            const double share = loops_ms > 0 ? std::min(1.0, lag->stalled_ms / loops_ms) : 0;
            const std::string max = (lag->max_is_bound ? "< " : "") + format_ms(lag->max_ms);
            // A p99 is never shown above the max: the histogram's bucket bound (1.00 ms) for ticks
            // that were all under the max's bound reads as the same bound.
            const std::string p99 = !lag->p99_ms                                        ? "—"
                                    : lag->max_is_bound && *lag->p99_ms >= lag->max_ms ? max
                                                                                        : format_ms(*lag->p99_ms);
            row.insert(row.end(), {max, p99, std::to_string(lag->stalls),
                                   lag->stalls > 0 ? fmt::format("{} ({:.0f} % of wall)", format_ms(lag->stalled_ms), 100 * share)
                                                   : "never"});
        } else {
            row.insert(row.end(), {"—", "—", "—", "—"});
        }
        if (gil) {
            int holds = 0;
            for (const auto& g : a.stats.gil_threads) holds += g.holds;
            row.insert(row.end(), {a.stats.gil_threads.empty() ? "—" : std::to_string(holds), gil_text(a.stats)});
        }
        if (states)
            for (const auto s : {request_state::ready, request_state::waiting, request_state::kernel})
                row.push_back(depth_text(a.stats, s));
        if (db) row.push_back(db_text(a.stats));
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace lab
