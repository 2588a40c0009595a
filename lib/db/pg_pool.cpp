#include "db/pg_pool.hpp"

#include "model/clock.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <libpq-fe.h>
#include <algorithm>
#include <utility>

namespace lab {

namespace asio = boost::asio;

std::string libpq_words(const char* message) {
    // libpq's messages end in a line break and may hold more lines, and tabs: one line for an error.
    std::string out = message ? message : "";
    for (char& c : out)
        if (c == '\n' || c == '\t') c = ' ';
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out.empty() ? "no reason given" : out;
}

pg_pool::pg_pool(const std::string& url, int size) {
    try {
        for (int i = 0; i < size; ++i) {
            PGconn* c = PQconnectdb(url.c_str());
            connections_.push_back(c);
            if (!c || PQstatus(c) != CONNECTION_OK)
                throw db_error("cannot connect to the database: " + libpq_words(c ? PQerrorMessage(c) : "out of memory"));
            // For the asynchronous API: PQflush never blocks. PQexec ignores it and blocks anyway.
            PQsetnonblocking(c, 1);
            free_.push_back(i);
        }
    } catch (...) {
        for (auto* c : connections_) PQfinish(c);
        throw;
    }
}

pg_pool::~pg_pool() {
    for (auto* c : connections_) PQfinish(c);
}

pg_pool::lease::lease(lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), index_(std::exchange(other.index_, -1)), waited_ns_(other.waited_ns_) {}

pg_pool::lease& pg_pool::lease::operator=(lease&& other) noexcept {
    if (this != &other) {
        if (pool_) pool_->give_back(index_);
        pool_ = std::exchange(other.pool_, nullptr);
        index_ = std::exchange(other.index_, -1);
        waited_ns_ = other.waited_ns_;
    }
    return *this;
}

pg_pool::lease::~lease() {
    if (pool_) pool_->give_back(index_);
}

pg_conn* pg_pool::lease::connection() const { return pool_ ? pool_->connections_[static_cast<std::size_t>(index_)] : nullptr; }

std::optional<pg_pool::lease> pg_pool::take_free() {
    // One that is free, unless others wait in line before this taker: first come, first served.
    if (free_.empty() || !line_.empty()) return std::nullopt;
    const int index = free_.back();
    free_.pop_back();
    return lease(this, index, 0);
}

pg_pool::lease pg_pool::take() { return *take(std::chrono::milliseconds::max()); }

std::optional<pg_pool::lease> pg_pool::take(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    if (auto free = take_free()) return free;
    const auto since = monotonic_ns();
    std::condition_variable wake;
    waiter w{-1, &wake, nullptr};
    line_.push_back(&w);
    const auto handed = [&] { return w.index >= 0; };
    if (limit == std::chrono::milliseconds::max()) wake.wait(lock, handed);
    else if (!wake.wait_for(lock, limit, handed)) {
        std::erase(line_, &w);  // still in line: nobody handed it one
        return std::nullopt;
    }
    return lease(this, w.index, monotonic_ns() - since);
}

loop_task<pg_pool::lease> pg_pool::take_on_loop() {
    std::unique_lock lock(mutex_);
    if (auto free = take_free()) co_return std::move(*free);
    const auto since = monotonic_ns();
    loop_timer timer(co_await asio::this_coro::executor, loop_timer::time_point::max());
    waiter w{-1, nullptr, &timer};
    line_.push_back(&w);
    lock.unlock();
    // Leaves the line if this frame is destroyed while it waits (the server stopping); a
    // connection handed over meanwhile goes back.
    struct in_line {
        pg_pool& pool;
        waiter& w;
        ~in_line() { pool.leave_line(w); }
    } guard{*this, w};
    for (;;) {
        co_await timer.async_wait(on_loop_tuple);  // cancelled by give_back, through the loop
        lock.lock();
        const int index = std::exchange(w.index, -1);
        lock.unlock();
        if (index >= 0) co_return lease(this, index, monotonic_ns() - since);
    }
}

void pg_pool::give_back(int index) {
    // A connection the server dropped (a restart, a terminated backend), or one left mid-query
    // by a failure or a handler destroyed while it waited, is opened afresh for the next taker
    // rather than failing every query after this one.
    PGconn* c = connections_[static_cast<std::size_t>(index)];
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        PQreset(c);
        PQsetnonblocking(c, 1);
    }
    std::lock_guard lock(mutex_);
    if (line_.empty()) {
        free_.push_back(index);
        return;
    }
    waiter* w = line_.front();
    line_.pop_front();
    w->index = index;
    if (w->wake) {
        w->wake->notify_one();
    } else {
        // The coroutine is suspended on its timer (it queued and awaited with no suspension
        // between), so the cancel posted here finds the wait pending.
        asio::post(w->timer->get_executor(), [timer = w->timer] { timer->cancel(); });
    }
}

void pg_pool::leave_line(waiter& w) {
    std::unique_lock lock(mutex_);
    std::erase(line_, &w);
    const int index = std::exchange(w.index, -1);
    lock.unlock();
    if (index >= 0) give_back(index);
}

}  // namespace lab
