#pragma once
// Internal to lib/server: one periodic sweep enforces every connection's I/O timeout.
//
// beast::tcp_stream arms a timer around each read and write; at 100k requests per second
// those timer operations are a measurable share of the loop's time. Here a connection only
// marks when it starts waiting on its client (a counter store, no system call), and one
// timer, ticking at a quarter of the timeout, cancels the waits that outlived it. A wait is
// cut off after between 1 and 1.25 timeouts.
#include "server/loop.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace lab {

class io_deadlines {
public:
    // One connection's entry; it lives as long as the connection's coroutine.
    class watch {
    public:
        watch(io_deadlines& owner, loop_socket& socket);
        ~watch();
        watch(const watch&) = delete;
        watch& operator=(const watch&) = delete;

        // Waiting on the client from now (a request head, or a response it must take).
        void arm() { armed_at_ = owner_.tick_; }
        // The server has the turn (a handler runs): no deadline.
        void disarm() { armed_at_ = 0; }

    private:
        friend class io_deadlines;
        io_deadlines& owner_;
        loop_socket& socket_;
        std::uint64_t armed_at_ = 0;  // 0: not waiting on the client
        std::size_t index_ = 0;       // position in owner_.watches_
    };

    explicit io_deadlines(std::chrono::milliseconds timeout);

    // Runs forever on the loop; co_spawn it once.
    loop_task<> sweep();

private:
    std::chrono::milliseconds period_;
    std::uint64_t ticks_to_expire_;
    std::uint64_t tick_ = 1;
    std::vector<watch*> watches_;
};

}  // namespace lab
