#include "load/http_get.hpp"

#include "load/telemetry_reader.hpp"
#include "model/routes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <tuple>
#include <vector>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

loop_task<http_answer> http_get_on_loop(const target_url& url, std::chrono::nanoseconds timeout, std::size_t body_limit) {
    const auto ex = co_await asio::this_coro::executor;
    beast::basic_stream<asio::ip::tcp, loop_executor> stream(ex);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.host);
    req.keep_alive(false);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    http_answer out;
    // One deadline for the whole exchange: the stream's timer covers each step until it is re-armed.
    stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout));
    // An address is connected to as it is; a name is resolved (on Asio's resolver thread).
    boost::system::error_code ec;
    std::vector<asio::ip::tcp::endpoint> endpoints;
    const auto port = static_cast<unsigned short>(std::stoi(url.port));  // parse_url checked it: 1 … 65535
    if (const auto address = asio::ip::make_address(url.host, ec); !ec) {
        endpoints.emplace_back(address, port);
    } else {
        asio::ip::basic_resolver<asio::ip::tcp, loop_executor> resolver(ex);
        auto [resolved, found] = co_await resolver.async_resolve(url.host, url.port, on_loop_tuple);
        ec = resolved;
        for (const auto& e : found) endpoints.push_back(e.endpoint());
    }
    if (!ec) std::tie(ec, std::ignore) = co_await stream.async_connect(endpoints, on_loop_tuple);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_write(stream, req, on_loop_tuple);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, on_loop_tuple);
    if (ec) {
        out.error = ec.message();
    } else {
        out.status = static_cast<int>(parser.get().result_int());
        out.body = std::move(parser.get().body());
    }
    co_return out;
}

http_answer http_get(const target_url& url, double timeout_s) {
    asio::io_context ctx;
    http_answer out;
    asio::co_spawn(ctx, http_get_on_loop(url, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeout_s))),
                   [&](std::exception_ptr failed, http_answer answer) {
                       if (failed) out.error = "the request could not be made";
                       else out = std::move(answer);
                   });
    ctx.run();
    return out;
}

std::optional<server_telemetry> fetch_telemetry(const std::string& host, const std::string& port) {
    const auto answer = http_get({host, port, metrics_json_path()}, 5);
    if (answer.status != 200) return std::nullopt;
    return read_telemetry(answer.body);
}

}  // namespace lab
