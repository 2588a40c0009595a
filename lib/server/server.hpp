#pragma once
// The target server: one event-loop thread, routes that carry the execution model
// (DESIGN.md §2). Asio and Beast stay inside server/*.cpp.
#include <string>

namespace lab {

struct server_options {
    std::string host = "127.0.0.1";
    int port = 0;           // 0: the kernel picks a free port
    int pool_threads = 40;  // anyio's default limiter size, which FastAPI's `def` routes use
    int ready_fd = -1;      // when >= 0, "PORT\n" is written here once listening, then closed
};

// Binds, announces readiness, serves until SIGINT or SIGTERM. Throws
// std::runtime_error when it cannot listen.
void run_server(const server_options& options);

}  // namespace lab
