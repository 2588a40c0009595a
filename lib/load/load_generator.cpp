#include "load/load_generator.hpp"

#include "model/clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <stdexcept>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

using request_type = http::request<http::empty_body>;

struct connection {
    explicit connection(asio::io_context& ctx) : stream(ctx) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    bool open = false;
};

struct run_state {
    const load_options& options;
    tcp::resolver::results_type endpoints;
    request_type request;
    std::chrono::nanoseconds timeout;
    int next = 0;  // the next request index; one thread, so no atomics
    std::vector<request_record> records;
};

request_type make_request(const target_url& url, const std::string& target, bool keep_alive) {
    request_type req{http::verb::get, target, 11};
    req.set(http::field::host, url.host + ":" + url.port);
    req.set(http::field::user_agent, "concurrency-lab");
    req.keep_alive(keep_alive);
    return req;
}

// The lab server's handler fields, when the body carries them.
std::optional<server_fields> read_server_fields(const std::string& body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& obj = value.get_object();
    auto field = [&](const char* key) -> std::optional<std::int64_t> {
        auto it = obj.find(key);
        if (it == obj.end() || !it->value().is_int64()) return std::nullopt;
        return it->value().get_int64();
    };
    auto pid = field("pid"), thread = field("thread"), start = field("start_ns"), end = field("end_ns");
    if (!pid || !thread || !start || !end) return std::nullopt;
    return server_fields{*pid, *thread, *start, *end};
}

void drop(connection& c) {
    beast::error_code ignored;
    c.stream.socket().close(ignored);
    c.open = false;
    c.buffer.clear();
}

asio::awaitable<bool> ensure_connected(connection& c, const run_state& st) {
    if (c.open) co_return true;
    c.stream.expires_after(st.timeout);
    auto [ec, endpoint] = co_await c.stream.async_connect(st.endpoints, use_tuple);
    if (ec) {
        drop(c);
        co_return false;
    }
    c.stream.socket().set_option(tcp::no_delay(true), ec);
    c.open = true;
    co_return true;
}

error_kind io_failure(const beast::error_code& ec) {
    return ec == beast::error::timeout ? error_kind::timeout : error_kind::read;
}

// One request/response on `c`. The deadline covers write and read together; when it
// expires Beast closes the socket, which really cancels the request.
asio::awaitable<void> exchange(connection& c, const run_state& st, const request_type& req,
                               request_record& rec) {
    rec.start_ns = monotonic_ns();
    if (!co_await ensure_connected(c, st)) {
        rec.error = error_kind::connect;
        rec.end_ns = monotonic_ns();
        co_return;
    }
    c.stream.expires_after(st.timeout);
    auto [write_ec, written] = co_await http::async_write(c.stream, req, use_tuple);
    if (write_ec) {
        rec.error = io_failure(write_ec);
        rec.end_ns = monotonic_ns();
        drop(c);
        co_return;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    auto [read_ec, read_n] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
    rec.end_ns = monotonic_ns();
    if (read_ec) {
        rec.error = io_failure(read_ec);
        drop(c);
        co_return;
    }
    c.stream.expires_never();
    const auto& res = parser.get();
    rec.status = res.result_int();
    rec.bytes = read_n;
    if (rec.status < 200 || rec.status > 299) rec.error = error_kind::status;
    rec.server = read_server_fields(res.body());
    if (!res.keep_alive()) drop(c);
}

asio::awaitable<void> connect_only(connection& c, const run_state& st) {
    co_await ensure_connected(c, st);
}

// Closed loop: the connection takes the next request index as soon as it is free.
asio::awaitable<void> worker(connection& c, run_state& st) {
    while (st.next < st.options.requests) {
        int i = st.next++;
        co_await exchange(c, st, st.request, st.records[static_cast<std::size_t>(i)]);
    }
}

asio::awaitable<void> send_probe(asio::io_context& ctx, const run_state& st, request_record& rec) {
    const auto& probe = *st.options.probe;
    asio::steady_timer delay(ctx, std::chrono::microseconds(static_cast<long long>(probe.after_ms * 1000)));
    co_await delay.async_wait(use_tuple);
    connection c(ctx);  // a fresh visitor: its own connection, as a new user would have
    auto req = make_request(st.options.url, probe.target, false);
    co_await exchange(c, st, req, rec);
    drop(c);
}

}  // namespace

load_run run_load(const load_options& options) {
    asio::io_context ctx(1);
    tcp::resolver resolver(ctx);
    beast::error_code ec;
    auto endpoints = resolver.resolve(options.url.host, options.url.port, ec);
    if (ec) throw std::runtime_error("cannot resolve " + options.url.host + ": " + ec.message());

    run_state st{options, endpoints, make_request(options.url, options.url.target, !options.connection_close),
                 std::chrono::nanoseconds(static_cast<long long>(options.timeout_s * 1e9)), 0,
                 std::vector<request_record>(static_cast<std::size_t>(options.requests))};
    std::vector<std::unique_ptr<connection>> connections;
    for (int i = 0; i < options.concurrency; ++i) connections.push_back(std::make_unique<connection>(ctx));

    if (!options.cold && !options.connection_close) {
        // Warm: connections open before the timed window, so it measures requests only.
        for (auto& c : connections) asio::co_spawn(ctx, connect_only(*c, st), asio::detached);
        ctx.run();
        ctx.restart();
    }

    load_run run;
    run.t0_ns = monotonic_ns();
    for (auto& c : connections) asio::co_spawn(ctx, worker(*c, st), asio::detached);
    request_record probe_record;
    if (options.probe) asio::co_spawn(ctx, send_probe(ctx, st, probe_record), asio::detached);
    ctx.run();
    run.t1_ns = monotonic_ns();
    run.requests = std::move(st.records);
    if (options.probe) run.probe = probe_record;
    return run;
}

}  // namespace lab
