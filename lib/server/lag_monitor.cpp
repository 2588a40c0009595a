#include "server/lag_monitor.hpp"

#include "model/clock.hpp"

#include <boost/asio/this_coro.hpp>

namespace lab {

loop_task<> watch_loop_lag(server_state& state, std::chrono::microseconds interval) {
    loop_timer timer(co_await boost::asio::this_coro::executor);
    const auto period_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count();
    // Each tick is due one period after the last one ran (not after it was due): a stall
    // counts once, as one late tick, rather than as a burst of catch-up ticks. steady_clock is
    // CLOCK_MONOTONIC here, the clock of every stamp the lab compares.
    std::int64_t due_ns = monotonic_ns() + period_ns;
    for (;;) {
        timer.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due_ns)));
        auto [ec] = co_await timer.async_wait(on_loop_tuple);
        if (ec) co_return;
        const auto ran_ns = monotonic_ns();
        state.meter.loop_tick(due_ns, ran_ns);
        state.meter.task_depth(state.tasks.waiting());
        if (state.lock) state.meter.gil_handovers(state.lock->handovers());
        due_ns = monotonic_ns() + period_ns;
    }
}

}  // namespace lab
