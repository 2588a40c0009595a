// The memoized response heads must be byte for byte what Beast writes for the same response.
#include "server/head_cache.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <doctest/doctest.h>
#include <string>
#include <vector>

namespace http = boost::beast::http;
using lab::http_response;

namespace {

std::string with_cache(lab::head_cache& cache, const http_response& res) {
    boost::beast::flat_buffer out;
    cache.serialize(res, out);
    return boost::beast::buffers_to_string(out.data());
}

std::string with_beast(const http_response& res) {
    boost::beast::flat_buffer out;
    lab::serialize_with_beast(res, out);
    return boost::beast::buffers_to_string(out.data());
}

http_response json(http::status status, std::string body, unsigned version = 11, bool keep_alive = true) {
    http_response res{status, version};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    res.prepare_payload();
    res.keep_alive(keep_alive);
    return res;
}

}  // namespace

TEST_CASE("a cached head is Beast's head, on the first use and on every later one") {
    lab::head_cache cache;
    std::vector<http_response> responses{
        json(http::status::ok, R"({"status":"ok"})"),
        json(http::status::ok, R"({"status":"ok!"})"),  // same shape, one more byte of body
        json(http::status::ok, R"({"status":"ok"})", 11, false),
        json(http::status::ok, R"({"status":"ok"})", 10, true),
        json(http::status::ok, R"({"status":"ok"})", 10, false),
        json(http::status::not_found, R"({"error":"no route /x"})"),
        json(http::status::request_header_fields_too_large, "{}", 11, false),
        json(http::status::service_unavailable, ""),
    };
    http_response custom_reason = json(http::status::ok, "{}");
    custom_reason.reason("Fine");
    responses.push_back(custom_reason);
    http_response extra_field = json(http::status::accepted, "{}");
    extra_field.set(http::field::retry_after, "1");
    responses.push_back(extra_field);

    for (int round = 0; round < 3; ++round)
        for (const auto& res : responses) {
            CAPTURE(round);
            CAPTURE(with_beast(res));
            CHECK(with_cache(cache, res) == with_beast(res));
        }
}

TEST_CASE("a chunked response is left to Beast, and a full cache starts over without losing a byte") {
    lab::head_cache cache;
    http_response chunked{http::status::ok, 11};
    chunked.body() = "abc";
    chunked.chunked(true);
    CHECK(with_cache(cache, chunked) == with_beast(chunked));
    CHECK(with_cache(cache, chunked).find("3\r\nabc\r\n") != std::string::npos);

    // Far more distinct heads (Content-Length) than the cache keeps.
    for (int length = 0; length < 600; ++length) {
        auto res = json(http::status::ok, std::string(static_cast<std::size_t>(length), 'x'));
        REQUIRE(with_cache(cache, res) == with_beast(res));
    }
}
