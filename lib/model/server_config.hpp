#pragma once
// What the lab's server is asked to be (DESIGN.md §2, §7): plain data. `serve`'s flags and a
// scenario arm's keys both set it, through the one knob table (model/knobs.hpp); the runner
// hands it to a child server as `serve` arguments made from the same table.
#include <string>

namespace lab {

struct server_config {
    std::string host = "127.0.0.1";
    int port = 0;                // 0: the kernel picks a free port
    int pool_threads = 40;       // anyio's default limiter size, which FastAPI's `def` routes use
    bool gil = false;            // emulate CPython's GIL around CPU work (workload/gil.hpp)
    int workers = 0;             // 0: this process serves; N >= 1: a supervisor forks N workers
    bool reuse_port = false;     // workers: one SO_REUSEPORT socket each instead of one shared socket
    bool test_routes = false;    // enables the crash route, which kills the worker that serves it
    int accept_gate_us = 0;      // > 0: accept the next connection only after the last one's
                                 // first request arrived, or this long passed (server.cpp)
    int task_workers = 2;        // background threads behind the task queue
    int task_capacity = 64;      // jobs that may wait; one more gets 503
    int lag_interval_us = 1000;  // the loop monitor's timer period; 0: no monitor
    int io_timeout_ms = 30'000;  // a client gets this long to send a request head or take a
                                 // response (an idle keep-alive connection, a stalled sender)
    bool quiet = false;          // no "listening on …" line on stderr
    std::string unix_socket;     // set: listen on this socket file instead of host:port (one process)
    std::string database_url;    // libpq's conninfo or URI for the /db routes; empty: they answer 503
    int db_pool = 10;            // connections each process opens to the database, shared by its handlers
    std::string downstream;      // http://host:port of a server whose GET /async?ms=T the /http routes call

    bool operator==(const server_config&) const = default;
};

}  // namespace lab
