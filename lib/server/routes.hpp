#pragma once
// Internal to lib/server: the route table. Each route's body decides where it runs.
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "db/pg_pool.hpp"
#include "load/load_generator.hpp"
#include "net/loop.hpp"
#include "server/metrics_board.hpp"
#include "server/reply.hpp"
#include "server/server.hpp"
#include "server/task_queue.hpp"
#include "workload/gil.hpp"

namespace lab {

struct server_state {
    long long pid;
    std::unique_ptr<metrics_board> own_metrics;  // unless the supervisor shares one among its workers
    metrics_board& metrics;
    metrics_writer meter;       // this process's slot on `metrics`
    // Before the pool: its threads use them, and are joined before they go.
    std::unique_ptr<pg_pool> db;            // null unless --database-url: the /db routes answer 503
    std::optional<target_url> downstream;   // unset unless --downstream: the /http routes answer 503
    boost::asio::thread_pool pool;
    std::unique_ptr<gil> lock;  // null unless --gil; its holds go to `meter`
    bool test_routes;
    std::chrono::milliseconds io_timeout;
    std::unique_ptr<task_board> own_tasks;  // unless the supervisor shares one among its workers
    task_queue tasks;
    int in_flight = 0;  // handle_request coroutines running on the loop (loop thread only)

    explicit server_state(const server_options& options);
};

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

// Answers req into out (status and body; the session sets keep-alive and writes the head).
loop_task<> handle_request(const http_request& req, server_state& state, reply& out);

// Answers req into out and returns true if its route never waits and needs no parsing (exactly
// `GET /health`), or returns false and leaves out alone. Awaiting handle_request costs about
// 280 instructions even when it never suspends (callgrind: 7 860 → 7 580 per /health request),
// and /health is the route the throughput benchmarks hammer.
bool answer_at_once(const http_request& req, const server_state& state, reply& out);

}  // namespace lab
