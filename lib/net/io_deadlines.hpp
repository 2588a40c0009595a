#pragma once
// One periodic sweep enforces the I/O timeout of every connection on a loop thread.
//
// beast::tcp_stream arms a timer around each read and write; at 100k requests per second
// those timer operations are a measurable share of a loop's time (server and client alike).
// Here a connection only marks when it starts waiting on its peer (a counter store, no system
// call), and one timer, ticking at a quarter of the timeout, cancels the waits that outlived
// it. A wait is cut off after between 1 and 1.25 timeouts; the same coarseness wrk accepts
// (it checks its timeouts every 100 ms).
#include "net/loop.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace lab {

// How often a sweep ticks and after how many ticks a wait is cut off. A wait armed between
// two ticks is cut at the ticks-th tick after, having waited between (ticks - 1) and ticks
// periods: at least the timeout, at most 1.25 times it (or 2 ms more, for timeouts under 4 ms,
// where the period stays at its 1 ms floor).
struct sweep_schedule {
    std::chrono::nanoseconds period;
    std::uint64_t ticks;

    static sweep_schedule for_timeout(std::chrono::nanoseconds timeout);
};

class io_deadlines {
public:
    // One connection's entry; it lives as long as the connection.
    class watch {
    public:
        // Any Asio socket of the loop (the server's TCP one, the client's generic one).
        template <class Socket>
        watch(io_deadlines& owner, Socket& socket)
            : watch(owner, &socket, [](void* s) {
                  boost::system::error_code ignored;
                  static_cast<Socket*>(s)->cancel(ignored);
              }) {}
        ~watch();
        watch(const watch&) = delete;
        watch& operator=(const watch&) = delete;

        // Waiting on the peer from now (a request, a response, a connect).
        void arm() {
            armed_at_ = owner_.tick_;
            expired_ = false;
        }
        // Our own turn (a handler runs, or nothing is pending): no deadline.
        void disarm() { armed_at_ = 0; }
        // Whether the sweep cancelled the wait armed last: its error is a timeout.
        bool expired() const { return expired_; }

    private:
        friend class io_deadlines;
        watch(io_deadlines& owner, void* socket, void (*cancel)(void*));
        io_deadlines& owner_;
        void* socket_;
        void (*cancel_)(void*);  // cancels socket_'s pending operations (called only when a wait expires)
        std::uint64_t armed_at_ = 0;  // 0: not waiting on the peer
        bool expired_ = false;
        std::size_t index_ = 0;  // position in owner_.watches_
    };

    io_deadlines(const loop_executor& executor, std::chrono::nanoseconds timeout);

    // Runs until stop(); co_spawn it on the loop once per run.
    loop_task<> sweep();
    // Ends sweep() now, or at its start if it has not started yet; a later sweep() runs again.
    void stop();

private:
    loop_timer timer_;
    sweep_schedule schedule_;
    std::uint64_t tick_ = 1;
    bool stopping_ = false;
    std::vector<watch*> watches_;
};

}  // namespace lab
