#pragma once
// The target server: one event-loop thread, routes that carry the execution model
// (DESIGN.md §2). Asio and Beast stay inside server/*.cpp.
#include "model/server_config.hpp"

#include <functional>
#include <string>

namespace lab {

class task_board;
class metrics_board;

// The config (model/server_config.hpp) and what only this process's plumbing sets: the
// readiness pipe, and the boards a supervisor shares with its workers (raw pointers into
// shared memory, which stay inside lib/server).
struct server_options : server_config {
    int ready_fd = -1;      // when >= 0, "PORT\n" is written here once listening, then closed
    task_board* shared_tasks = nullptr;  // set by the supervisor for its workers; null: a board of this process's own
    metrics_board* shared_metrics = nullptr;  // the supervisor's, for its workers; null: this process's own
    int metrics_slot = 0;        // this worker's slot on shared_metrics
};

// Binds, announces readiness, serves until SIGINT or SIGTERM. Throws
// std::runtime_error when it cannot listen.
void run_server(const server_options& options);

// Serves on an already listening socket in this process until SIGINT or SIGTERM,
// then exits the process. Used by run_server and by each prefork worker. `ready` is called once
// everything a request needs is built, just before the first request can be taken.
[[noreturn]] void serve_on(int listen_fd, const server_options& options, const std::function<void()>& ready);

// Writes "PORT\n" to options.ready_fd (if >= 0) and closes it, and unless options.quiet
// says on stderr where the server listens: with --port 0 nobody else can know.
void announce_ready(const server_options& options, int port);

}  // namespace lab
