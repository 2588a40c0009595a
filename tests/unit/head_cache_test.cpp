// The memoized response heads must be byte for byte what Beast writes for the same response.
#include "server/head_cache.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <doctest/doctest.h>
#include <string>
#include <vector>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace http = boost::beast::http;
using lab::reply;

namespace {

std::string with_cache(lab::head_cache& cache, const reply& r, unsigned version) {
    boost::beast::flat_buffer out;
    cache.serialize(r, version, out);
    return boost::beast::buffers_to_string(out.data());
}

std::string with_beast(const reply& r, unsigned version) {
    boost::beast::flat_buffer out;
    lab::serialize_with_beast(lab::to_response(r, version), out);
    return boost::beast::buffers_to_string(out.data());
}

}  // namespace

TEST_CASE("a reply's response says JSON — its length — and Connection only where the version needs it") {
    const reply ok{http::status::ok, R"({"status":"ok"})", true};
    CHECK(with_beast(ok, 11) ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}");
    CHECK(with_beast({http::status::not_found, "{}", false}, 11) ==
          "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    CHECK(with_beast({http::status::ok, "{}", true}, 10) ==
          "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}");
}

TEST_CASE("a cached head is Beast's head — on the first use and on every later one") {
    lab::head_cache cache;
    struct shape {
        reply r;
        unsigned version;
    };
    const std::vector<shape> shapes{
        {{http::status::ok, R"({"status":"ok"})", true}, 11},
        {{http::status::ok, R"({"status":"ok!"})", true}, 11},  // same shape, one more byte of body
        {{http::status::ok, R"({"status":"no"})", true}, 11},   // same head, another body
        {{http::status::ok, R"({"status":"ok"})", false}, 11},
        {{http::status::ok, R"({"status":"ok"})", true}, 10},
        {{http::status::ok, R"({"status":"ok"})", false}, 10},
        {{http::status::not_found, R"({"error":"no route /x"})", true}, 11},
        {{http::status::request_header_fields_too_large, "{}", false}, 11},
        {{http::status::service_unavailable, "", true}, 11},
        {{http::status::accepted, "{}", true}, 11},
    };
    for (int round = 0; round < 3; ++round)
        for (const auto& [r, version] : shapes) {
            CAPTURE(round);
            CAPTURE(with_beast(r, version));
            CHECK(with_cache(cache, r, version) == with_beast(r, version));
        }
}

TEST_CASE("a full cache starts over without losing a byte") {
    lab::head_cache cache;
    // Far more distinct heads (Content-Length) than the cache keeps, twice over.
    for (int round = 0; round < 2; ++round)
        for (int length = 0; length < 600; ++length) {
            const reply r{http::status::ok, std::string(static_cast<std::size_t>(length), 'x'), true};
            REQUIRE(with_cache(cache, r, 11) == with_beast(r, 11));
        }
}

TEST_SUITE_END();
