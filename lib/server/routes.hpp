#pragma once
// Internal to lib/server: the route table. Each route's body decides where it runs.
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>

#include "net/loop.hpp"
#include "server/server.hpp"
#include "server/task_queue.hpp"
#include "workload/gil.hpp"

namespace lab {

struct server_state {
    boost::asio::thread_pool pool;
    long long pid;
    std::unique_ptr<gil> lock;  // null unless --gil
    bool test_routes;
    std::chrono::milliseconds io_timeout;
    task_queue tasks;

    explicit server_state(const server_options& options);
};

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

loop_task<http_response> handle_request(const http_request& req, server_state& state);

// A small JSON error body ({"error": ...}) with the given status.
http_response error_response(boost::beast::http::status status, const std::string& message,
                             unsigned version);

}  // namespace lab
