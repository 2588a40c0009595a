#include "net/io_deadlines.hpp"

#include <algorithm>

namespace lab {

io_deadlines::watch::watch(io_deadlines& owner, void* socket, void (*cancel)(void*))
    : owner_(owner), socket_(socket), cancel_(cancel), index_(owner.watches_.size()) {
    owner_.watches_.push_back(this);
}

io_deadlines::watch::~watch() {
    // Swap with the last entry so that leaving costs O(1) at 10 000 connections too.
    auto& all = owner_.watches_;
    all[index_] = all.back();
    all[index_]->index_ = index_;
    all.pop_back();
}

sweep_schedule sweep_schedule::for_timeout(std::chrono::nanoseconds timeout) {
    using std::chrono::nanoseconds;
    // A quarter of the timeout, rounded up: 4 periods always cover it, whatever the rounding
    // of a timeout given in seconds (a period rounded down would need a fifth).
    const nanoseconds period = std::max<nanoseconds>(std::chrono::milliseconds(1), (timeout + nanoseconds(3)) / 4);
    // An entry armed just before tick a has waited more than (t - a - 1) periods at tick t.
    const auto covering = static_cast<std::uint64_t>((timeout.count() + period.count() - 1) / period.count());
    return {period, covering + 1};
}

io_deadlines::io_deadlines(const loop_executor& executor, std::chrono::nanoseconds timeout)
    : timer_(executor), schedule_(sweep_schedule::for_timeout(timeout)) {}

loop_task<> io_deadlines::sweep() {
    while (!stopping_) {
        timer_.expires_after(schedule_.period);
        co_await timer_.async_wait(on_loop_tuple);
        if (stopping_) break;
        ++tick_;
        for (watch* w : watches_) {
            if (w->armed_at_ == 0 || tick_ - w->armed_at_ < schedule_.ticks) continue;
            w->armed_at_ = 0;
            w->expired_ = true;
            // The pending operation ends with operation_aborted; its owner sees expired().
            w->cancel_(w->socket_);
        }
    }
    stopping_ = false;
}

void io_deadlines::stop() {
    stopping_ = true;
    timer_.cancel();
}

}  // namespace lab
