// A reply's body is Boost.JSON's serialization, and a reused fixed_body never carries a stale key.
#include "server/reply.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <array>
#include <doctest/doctest.h>
#include <stdexcept>
#include <string>

#include "server/fixed_body.hpp"

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace http = boost::beast::http;
namespace json = boost::json;

TEST_CASE("set_json writes Boost.JSON's serialization over whatever the reply held before") {
    lab::reply r{http::status::not_found, std::string(3000, 'x'), true};  // a longer earlier body
    const json::object body{{"route", "/h\"i\n"}, {"n", -12}, {"big", 1700000000000123456LL}, {"ok", true}};
    lab::set_json(r, http::status::accepted, body);
    CHECK(r.status == http::status::accepted);
    CHECK(r.body == json::serialize(body));
    CHECK(r.keep_alive);

    json::object large;
    for (int i = 0; i < 100; ++i) large[std::to_string(i)] = std::string(20, 'y');  // several chunks
    lab::set_json(r, http::status::ok, large);
    CHECK(json::parse(r.body) == json::value(large));
}

TEST_CASE("set_error says what went wrong and repeats the status") {
    lab::reply r;
    lab::set_error(r, http::status::bad_request, "bad ms='x'");
    CHECK(r.status == http::status::bad_request);
    CHECK(json::parse(r.body) == json::parse(R"({"error":"bad ms='x'","status":400})"));
}

TEST_CASE("a fixed_body keeps its keys in order and takes new values in place") {
    constexpr std::array<std::string_view, 2> shared{"route", "pid"};
    lab::fixed_body body{shared, {"ms"}};
    CHECK(json::serialize(body.object()) == R"({"route":null,"pid":null,"ms":null})");
    body["route"] = "/async";
    body["pid"] = 42;
    body["ms"] = 100;
    CHECK(json::serialize(body.object()) == R"({"route":"/async","pid":42,"ms":100})");
    body["route"] = "/pool";
    body["ms"] = 0;
    CHECK(json::serialize(body.object()) == R"({"route":"/pool","pid":42,"ms":0})");
    CHECK_THROWS_AS(body["status"], std::out_of_range);
    CHECK(body.object().size() == 3);
}

TEST_SUITE_END();
