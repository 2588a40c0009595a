#include "load/http_get.hpp"

#include "load/telemetry_reader.hpp"
#include "model/routes.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

http_answer http_get(const target_url& url, double timeout_s) {
    asio::io_context ctx;
    beast::tcp_stream stream(ctx);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.host);
    req.keep_alive(false);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http_answer out;
    auto fail = [&](const beast::error_code& ec) { out.error = ec.message(); };

    beast::error_code ec;
    auto endpoints = asio::ip::tcp::resolver(ctx).resolve(url.host, url.port, ec);
    if (ec) return fail(ec), out;
    // One deadline for the whole exchange: tcp_stream's timer covers each step until it is re-armed.
    stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(timeout_s)));
    stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
        if (e) return fail(e);
        http::async_write(stream, req, [&](beast::error_code e2, std::size_t) {
            if (e2) return fail(e2);
            http::async_read(stream, buffer, parser, [&](beast::error_code e3, std::size_t) {
                if (e3) return fail(e3);
                out.status = static_cast<int>(parser.get().result_int());
                out.body = std::move(parser.get().body());
            });
        });
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
