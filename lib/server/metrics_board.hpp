#pragma once
// Internal to lib/server: what each server process measures of itself, where every worker can
// read it, so that GET /metrics answers for all of them whichever worker the kernel hands the
// request to. Mapped shared before the first fork, like the task board; one slot per process,
// written by that process only (its loop thread, and its pool threads for the pool's gauges and
// the GIL's holds), read by any. Plain integers in zero-filled pages, every access through
// std::atomic_ref: nothing is constructed, and pages nobody writes stay out of the resident set.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/routes.hpp"

namespace lab {

struct metrics_slot;

// One process's writing end. Lag and request counts come from the loop thread alone (plain
// stores, no lock prefix: a counter bumped per /health request must cost nothing); the pool's
// gauges and the GIL's holds from any of the process's threads.
class metrics_writer {
public:
    explicit metrics_writer(metrics_slot* slot = nullptr) : slot_(slot) {}

    // A tick of the loop's monitor that was due at due_ns ran at ran_ns (CLOCK_MONOTONIC).
    void loop_tick(std::int64_t due_ns, std::int64_t ran_ns) const;
    void request(route_id route, unsigned status) const;
    void pool_queued(int delta) const;
    void pool_busy(int delta) const;
    void task_depth(std::uint64_t waiting) const;
    void gil_hold(std::int64_t thread, std::int64_t want_ns, std::int64_t got_ns, std::int64_t end_ns) const;
    void gil_handovers(std::uint64_t n) const;
    // The database pool's size, and each query's take of a connection (waited_ns 0: one was free).
    void db_connections(int n) const;
    void db_take(std::int64_t waited_ns) const;

private:
    metrics_slot* slot_;
};

class metrics_board {
public:
    // Room for `processes` slots: a worker's replacement takes the dead one's slot over.
    explicit metrics_board(std::size_t processes);
    ~metrics_board();
    metrics_board(const metrics_board&) = delete;
    metrics_board& operator=(const metrics_board&) = delete;

    // Clears slot i for the process `pid` and returns its writer. interval_us: the loop
    // monitor's period (0: off); pool_threads: the size of the process's pool.
    metrics_writer claim(std::size_t i, long long pid, int interval_us, int pool_threads);

    // The Prometheus text exposition format (version 0.0.4), every process's slot.
    std::string prometheus_text() const;
    // The same, with what Prometheus has no type for (the loop's late ticks, the GIL's holds),
    // as JSON: what the lab's runner reads after a run.
    std::string json() const;

private:
    metrics_slot* slots_;
    std::size_t count_;
    std::size_t bytes_;
};

// A tick this late counts as a stall of the loop (asyncio's debug mode warns at 100 ms;
// 10 ms is a frame of a game loop, and well above the monitor's own jitter).
inline constexpr std::int64_t stall_ns = 10'000'000;
// Late ticks from this on are kept as intervals (the first ones), for the timeline's lag lane.
inline constexpr std::int64_t late_ns = 1'000'000;

}  // namespace lab
