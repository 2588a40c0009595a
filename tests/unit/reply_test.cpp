// A reply's body is Boost.JSON's serialization, and a reused fixed_body never carries a stale key.
#include "server/reply.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <array>
#include <doctest/doctest.h>
#include <stdexcept>
#include <string>

#include "load/server_fields.hpp"
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

// The server's side of the states (DESIGN.md §11): what a route marks, written into Server-Timing
// after the handler's metrics, is what the client reads back, to the microsecond.
TEST_CASE("a reply's state marks go out in Server-Timing and read back as they were marked") {
    using lab::request_state;
    lab::reply r;
    add_states(r);
    CHECK(r.timing.empty());  // no handler metrics (/health): nothing added
    r.timing = "handler;dur=100.0, pid;desc=7";
    const std::int64_t read = 5'000'123'456;
    // /pool's way: read, queued, on a pool thread, ready, resumed, done.
    const std::array<std::pair<request_state, std::int64_t>, 6> marks{{{request_state::running, read},
                                                                       {request_state::queued, read + 40'000},
                                                                       {request_state::pool, read + 55'000},
                                                                       {request_state::ready, read + 100'055'000},
                                                                       {request_state::running, read + 100'090'000},
                                                                       {request_state::done, read + 100'120'000}}};
    for (const auto& [s, at] : marks) r.mark(s, at);
    add_states(r);
    CHECK(r.timing == "handler;dur=100.0, pid;desc=7, read_ns;desc=5000123456, states;desc=R0.Q40.P55.Y100055.R100090.D100120");
    lab::request_states back;
    REQUIRE(lab::read_server_states(r.timing, back));
    REQUIRE(back.count == marks.size());
    for (std::size_t i = 0; i < marks.size(); ++i) {
        CHECK(back.marks[i].state == marks[i].first);
        CHECK(back.marks[i].at_ns == marks[i].second);
    }
    // More marks than a request can have are dropped, never written past the end.
    for (int i = 0; i < 20; ++i) r.mark(request_state::running, read + 200'000'000);
    CHECK(r.states.count == lab::request_states::max_marks);
}
