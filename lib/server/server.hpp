#pragma once
// The target server: one event-loop thread, routes that carry the execution model
// (DESIGN.md §2). Asio and Beast stay inside server/*.cpp.
#include <string>

namespace lab {

class task_board;
class metrics_board;

struct server_options {
    std::string host = "127.0.0.1";
    int port = 0;           // 0: the kernel picks a free port
    int pool_threads = 40;  // anyio's default limiter size, which FastAPI's `def` routes use
    int ready_fd = -1;      // when >= 0, "PORT\n" is written here once listening, then closed
    bool gil = false;       // emulate CPython's GIL around CPU work (workload/gil.hpp)
    int workers = 0;        // 0: this process serves; N >= 1: a supervisor forks N workers
    bool reuse_port = false;  // workers: one SO_REUSEPORT socket each instead of one shared socket
    bool test_routes = false; // enables GET /crash, which kills the worker that serves it
    int accept_gate_us = 0;   // > 0: accept the next connection only after the last one's
                              // first request arrived, or this long passed (see server.cpp)
    int task_workers = 2;        // background threads behind POST /tasks
    int task_capacity = 64;      // jobs that may wait; one more gets 503
    task_board* shared_tasks = nullptr;  // set by the supervisor for its workers; null: a board of this process's own
    metrics_board* shared_metrics = nullptr;  // the supervisor's, for its workers; null: this process's own
    int metrics_slot = 0;        // this worker's slot on shared_metrics
    int lag_interval_us = 1000;  // the loop monitor's timer period; 0: no monitor (GET /metrics says so)
    bool quiet = false;          // no "listening on …" line on stderr
    int io_timeout_ms = 30'000;  // a client gets this long to send a request head or take a
                                 // response (an idle keep-alive connection, a stalled sender)
};

// Binds, announces readiness, serves until SIGINT or SIGTERM. Throws
// std::runtime_error when it cannot listen.
void run_server(const server_options& options);

// Serves on an already listening socket in this process until SIGINT or SIGTERM,
// then exits the process. Used by run_server and by each prefork worker.
[[noreturn]] void serve_on(int listen_fd, const server_options& options);

// Writes "PORT\n" to options.ready_fd (if >= 0) and closes it, and unless options.quiet
// says on stderr where the server listens: with --port 0 nobody else can know.
void announce_ready(const server_options& options, int port);

}  // namespace lab
