#include "analysis/analysis.hpp"

#include <algorithm>
#include <map>

namespace lab {

void add_server_measures(const server_telemetry& telemetry, arm_stats& stats) {
    if (!telemetry.loops.empty()) {
        arm_stats::lag_figures lag;
        for (const auto& l : telemetry.loops) {
            if (l.ticks == 0) continue;  // no monitor (--lag-interval-us 0), or a process that never ticked
            lag.max_ms = std::max(lag.max_ms, l.max_ms);
            lag.p99_ms = std::max(lag.p99_ms, l.p99_ms);
            lag.stalled_ms += l.stalled_ms;
            lag.stalls += l.stalls;
            lag.interval_ms = l.interval_ms;
            lag.processes++;
        }
        if (lag.processes > 0) stats.loop_lag = lag;
    }
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
}

}  // namespace lab
