// The load generator's response parser: status, body and keep-alive as Beast frames them.
#include "load/response_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <doctest/doctest.h>
#include <string>
#include <string_view>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace http = boost::beast::http;

namespace {

struct fed {
    boost::beast::error_code ec;
    std::size_t used = 0;  // bytes of the input the parser took
};

// Feeds `bytes` to the parser the way http::read does: put until done, an error, or no progress.
fed feed(lab::response_reader& parser, std::string_view bytes) {
    fed out;
    while (!parser.is_done()) {
        auto n = parser.put(boost::asio::buffer(bytes.data() + out.used, bytes.size() - out.used), out.ec);
        out.used += n;
        if (out.ec && out.ec != http::error::need_more) break;
        if (n == 0 || out.used == bytes.size()) break;  // what is left needs more input
        out.ec = {};
    }
    return out;
}

}  // namespace

TEST_CASE("status — body and keep-alive of a Content-Length response — its fields are not kept") {
    std::string body = "left over from the last response";
    lab::response_reader parser(body);
    auto r = feed(parser, "HTTP/1.1 201 Created\r\nServer: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 11\r\n\r\n{\"ok\":true}");
    CHECK_FALSE(r.ec);
    CHECK(parser.is_done());
    CHECK(parser.status() == 201);
    CHECK(body == "{\"ok\":true}");
    CHECK(parser.keep_alive());
}

TEST_CASE("Connection and the HTTP version decide keep-alive") {
    std::string body;
    {
        lab::response_reader parser(body);
        feed(parser, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        CHECK(parser.is_done());
        CHECK_FALSE(parser.keep_alive());
    }
    {
        lab::response_reader parser(body);
        feed(parser, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        CHECK_FALSE(parser.keep_alive());
    }
    {
        lab::response_reader parser(body);
        feed(parser, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        CHECK(parser.keep_alive());
    }
}

TEST_CASE("a chunked body arrives whole — and a response ends where the next begins") {
    std::string body;
    const std::string first = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
    const std::string second = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    lab::response_reader parser(body);
    auto r = feed(parser, first + second);
    CHECK_FALSE(r.ec);
    CHECK(parser.status() == 404);
    CHECK(body == "{\"a\":1}");
    CHECK(r.used == first.size());

    lab::response_reader next(body);
    feed(next, second);
    CHECK(next.status() == 200);
    CHECK(body == "{}");
}

TEST_CASE("a body longer than what is kept is read to its end — only its head is kept") {
    std::string body;
    lab::response_reader parser(body, 8);
    auto r = feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"pid\":1234}");
    CHECK_FALSE(r.ec);
    CHECK(parser.is_done());
    CHECK(body == "{\"pid\":1");
    CHECK_FALSE(parser.body_whole());

    lab::response_reader exact(body, 12);
    feed(exact, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"pid\":1234}");
    CHECK(body == "{\"pid\":1234}");
    CHECK(exact.body_whole());
}

TEST_CASE("a body over the limit is an error — and so is a body cut short") {
    std::string body;
    lab::response_reader parser(body);
    parser.body_limit(4);
    CHECK(feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").ec == http::error::body_limit);

    lab::response_reader cut(body);
    feed(cut, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel");
    CHECK_FALSE(cut.is_done());
    boost::beast::error_code ec;
    cut.put_eof(ec);
    CHECK(ec == http::error::partial_message);
}

TEST_SUITE_END();
