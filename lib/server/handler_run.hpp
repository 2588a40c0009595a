#pragma once
// Internal to lib/server: what every route reports about its handler's run — where and when it
// ran, in the body's fields and in Server-Timing — and the pool's gauges around a job.
#include "model/clock.hpp"
#include "server/metrics_board.hpp"
#include "server/reply.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fmt/format.h>
#include <iterator>
#include <string_view>
#include <unistd.h>

namespace lab {

// Where and when a handler body ran, as the response reports it.
struct handler_run {
    long long thread = 0;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
};

// gettid() is a system call; a thread's id never changes, so ask once per thread.
inline long long this_thread_id() {
    thread_local const long long id = static_cast<long long>(::gettid());
    return id;
}

// Counts a job among the pool's queued ones from its submission, then among the busy ones
// while a pool thread runs it: the gauges of GET /metrics.
struct pool_gauge {
    metrics_writer meter;
    explicit pool_gauge(metrics_writer m) : meter(m) { meter.pool_queued(+1); }
    template <class F>
    auto run(F&& body) const {
        meter.pool_queued(-1);
        meter.pool_busy(+1);
        auto result = body();
        meter.pool_busy(-1);
        return result;
    }
};

// The fields every route reports about its handler's run: on a route's fixed_body, or on a
// boost::json::object where the keys vary.
template <class Body>
void set_run(Body& body, std::string_view route, long long pid, const handler_run& run) {
    body["route"] = route;
    body["pid"] = pid;
    body["thread"] = run.thread;
    body["start_ns"] = run.start_ns;
    body["end_ns"] = run.end_ns;
}

inline constexpr std::array<std::string_view, 5> run_keys{"route", "pid", "thread", "start_ns", "end_ns"};

// The same run as a Server-Timing header (DESIGN.md §8), in the metrics the probe sends too, so
// one reader serves the lab's server and any other. Written into the reply's own string: its
// capacity is kept from one request to the next, and nothing is allocated.
inline void set_timing(reply& out, long long pid, const handler_run& run) {
    out.timing.clear();
    fmt::format_to(std::back_inserter(out.timing),
                   "handler;dur={:.3f}, pid;desc={}, thread;desc={}, start_ns;desc={}, end_ns;desc={}",
                   static_cast<double>(run.end_ns - run.start_ns) / 1e6, pid, run.thread, run.start_ns, run.end_ns);
}

// A job the pool ran for the request: on a pool thread from its start, ready once it ended (its
// result posted back), running on the loop again from now.
inline void mark_pool_run(reply& out, const handler_run& run) {
    const auto now = monotonic_ns();
    out.mark(request_state::pool, run.start_ns);
    out.mark(request_state::ready, std::min(run.end_ns, now));
    out.mark(request_state::running, now);
}

}  // namespace lab
