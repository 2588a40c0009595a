#include "server/io_deadlines.hpp"

#include <algorithm>
#include <boost/asio/this_coro.hpp>

namespace lab {

namespace asio = boost::asio;

io_deadlines::watch::watch(io_deadlines& owner, loop_socket& socket)
    : owner_(owner), socket_(socket), index_(owner.watches_.size()) {
    owner_.watches_.push_back(this);
}

io_deadlines::watch::~watch() {
    // Swap with the last entry so that leaving costs O(1) at 10 000 connections too.
    auto& all = owner_.watches_;
    all[index_] = all.back();
    all[index_]->index_ = index_;
    all.pop_back();
}

io_deadlines::io_deadlines(std::chrono::milliseconds timeout)
    : period_(std::max(std::chrono::milliseconds(1), timeout / 4)),
      // An entry armed just after tick a has waited more than (t - a - 1) periods at tick t.
      ticks_to_expire_((timeout.count() + period_.count() - 1) / period_.count() + 1) {}

loop_task<> io_deadlines::sweep() {
    loop_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        timer.expires_after(period_);
        auto [ec] = co_await timer.async_wait(on_loop_tuple);
        if (ec) co_return;
        ++tick_;
        for (watch* w : watches_) {
            if (w->armed_at_ == 0 || tick_ - w->armed_at_ < ticks_to_expire_) continue;
            w->armed_at_ = 0;
            // The pending read or write ends with operation_aborted; its session closes.
            boost::system::error_code ignored;
            w->socket_.cancel(ignored);
        }
    }
}

}  // namespace lab
