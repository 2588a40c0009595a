#pragma once
// A fixed pool of K libpq connections to one database, shared by a server process's loop thread
// and its pool threads (DESIGN.md §10). A handler holds one connection for its whole query, so K
// bounds how many queries run at once, whatever the threads: the limit SQLAlchemy's QueuePool
// puts under FastAPI's 40 threads. A taker that finds none free waits in line (first come, first
// served) and the wait is reported back, so the server can count it.
#include "net/loop.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;  // libpq's PGconn, kept out of the server's headers

namespace lab {

struct db_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class pg_pool {
public:
    // Opens `size` connections to `url` (a libpq URI or conninfo). Throws db_error with libpq's
    // reason when any cannot be opened.
    pg_pool(const std::string& url, int size);
    ~pg_pool();
    pg_pool(const pg_pool&) = delete;
    pg_pool& operator=(const pg_pool&) = delete;

    // One connection, given back when the lease ends.
    class lease {
    public:
        lease() = default;
        lease(lease&& other) noexcept;
        lease& operator=(lease&& other) noexcept;
        ~lease();
        pg_conn* connection() const;
        std::int64_t waited_ns() const { return waited_ns_; }  // 0: one was free at once

    private:
        friend class pg_pool;
        lease(pg_pool* pool, int index, std::int64_t waited_ns) : pool_(pool), index_(index), waited_ns_(waited_ns) {}
        pg_pool* pool_ = nullptr;
        int index_ = -1;
        std::int64_t waited_ns_ = 0;
    };

    // Blocks the calling thread until a connection is free: a pool thread's wait, or the loop's
    // own (which is the lesson of a blocking driver on the loop). With a `limit`, nullopt once it
    // passed: the loop thread must not wait for ever for a connection that a coroutine holds,
    // since only the loop it blocks could give that back (fastapi#3205's hang, bounded).
    lease take();
    std::optional<lease> take(std::chrono::milliseconds limit);
    // Suspends the calling coroutine instead, the loop serving others meanwhile.
    loop_task<lease> take_on_loop();

    int size() const { return static_cast<int>(connections_.size()); }

private:
    // A taker in line. A thread waits on `wake`; a coroutine on `timer`, which the giver cancels
    // through the loop (a timer is not to be touched from another thread).
    struct waiter {
        int index = -1;  // the connection handed over, once it is
        std::condition_variable* wake = nullptr;
        loop_timer* timer = nullptr;
    };
    std::optional<lease> take_free();  // mutex_ held
    void give_back(int index);
    void leave_line(waiter& w);  // a coroutine destroyed while it waited

    std::vector<pg_conn*> connections_;
    std::mutex mutex_;
    std::vector<int> free_;
    std::deque<waiter*> line_;
};

// Internal to lib/db: a libpq message as one line ("no reason given" for none).
std::string libpq_words(const char* message);

// SELECT pg_sleep(seconds) on the connection, blocking the calling thread until it is answered.
// Throws db_error with the server's or libpq's words.
void pg_sleep_blocking(pg_conn* connection, double seconds);

// The same query through libpq's asynchronous API: PQsendQueryParams, then PQconsumeInput each
// time the loop sees the connection's socket readable, so the loop serves others meanwhile.
loop_task<> pg_sleep_on_loop(pg_conn* connection, double seconds);

}  // namespace lab
