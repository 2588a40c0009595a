#pragma once
// Internal to lib/server: the event loop's own responsiveness, measured as Node's
// monitorEventLoopDelay and asyncio's debug mode do — a timer re-armed at a short interval on
// the loop thread, and how late each tick ran. A handler that blocks the loop for 100 ms makes
// one tick 100 ms late; a free loop runs every tick within a fraction of a millisecond.
#include "net/loop.hpp"
#include "server/routes.hpp"

#include <chrono>

namespace lab {

// Runs until the loop stops; each tick also publishes the gauges only the loop reads (the task
// queue's depth, the GIL's handovers).
loop_task<> watch_loop_lag(server_state& state, std::chrono::microseconds interval);

}  // namespace lab
