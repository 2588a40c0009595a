// `load`: duration, open loop, threads, connection close, detail limits, bad input.
#include "canned_server.hpp"
#include "load/load_generator.hpp"
#include "process/server_process.hpp"
#include "run_command.hpp"
#include "sanitizer.hpp"

#include <doctest/doctest.h>
#include <algorithm>
#include <nlohmann/json.hpp>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;

namespace {

struct target {
    lab::server_process server{LAB_BINARY, {}};
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server.port()) + path; }
};

// /health on 4 connections over 2 client threads: the runs that count what a lane keeps.
lab::load_options health_on_two_threads(const target& t) {
    lab::load_options o;
    o.url = lab::parse_url(t.url("/health"));
    o.concurrency = 4;
    o.threads = 2;
    return o;
}

nlohmann::json load_json(const std::vector<std::string>& args, int expect_exit = 0) {
    std::vector<std::string> all{"load"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--format", "json"});
    auto r = run_lab(all, 60);
    INFO(r.err);
    REQUIRE(r.exit_code == expect_exit);
    CHECK(r.err.empty());  // stderr is not a TTY here: no progress line
    return nlohmann::json::parse(r.out);
}

// Whether every request's `key` is at or after the one before it.
bool in_order(const nlohmann::json& detail, const char* key) {
    return std::is_sorted(detail.begin(), detail.end(),
                          [key](const auto& a, const auto& b) { return a[key].template get<double>() < b[key].template get<double>(); });
}

}  // namespace

TEST_CASE("load refuses contradictory or impossible settings") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"load", "http://127.0.0.1:1/", "-n", "5", "-d", "1"},
             {"load", "http://127.0.0.1:1/", "--rate", "0"},
             {"load", "http://127.0.0.1:1/", "--rate", "-3"},
             {"load", "http://127.0.0.1:1/", "--rate", "10000000", "-d", "3600"},  // 3.6e10 records
             {"load", "http://127.0.0.1:1/", "-t", "0"},
             {"load", "http://127.0.0.1:1/", "--connection", "sometimes"},
             {"load", "not a url"}}) {
        auto r = run_lab(args, 20);
        CAPTURE(args.back());
        CHECK(r.exit_code == 2);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}

TEST_CASE("a duration run is closed loop for that long — across threads") {
    target t;
    auto arm = load_json({t.url("/health"), "-c", "8", "-t", "2", "-d", "0.5"});
    CHECK(arm["duration_s"].get<double>() >= 0.5);
    CHECK(arm["duration_s"].get<double>() < 5);
    CHECK(arm["ok"].get<int>() == arm["requests"].get<int>());
    CHECK(arm["ok"].get<int>() > 100);
    CHECK(arm["rps"].get<double>() > 0);
    CHECK(arm["bytes_per_s"].get<double>() > 0);
}

TEST_CASE("a duration run that keeps every record (--detail) stops at its record limit instead of growing without bound") {
    target t;
    auto o = health_on_two_threads(t);
    o.duration_s = 60;
    o.record_limit = 400;
    auto run = lab::run_load(o);
    CHECK(run.requests.size() == 400);  // 200 per thread, none sent beyond
    CHECK(run.record_limit_reached);
    CHECK(run.t1_ns - run.t0_ns < 30'000'000'000);  // long before the 60 s it asked for

    o.duration_s = 0;  // a run of a given count is never cut
    o.requests = 400;
    run = lab::run_load(o);
    CHECK(run.requests.size() == 400);
    CHECK_FALSE(run.record_limit_reached);

    o.rate = 1000;  // an open loop may not schedule more than the limit
    o.duration_s = 1;
    o.record_limit = 999;
    CHECK_THROWS_AS(lab::run_load(o), std::invalid_argument);
}

TEST_CASE("past its kept records a run folds requests — counted as if kept — in constant memory") {
    target t;
    auto o = health_on_two_threads(t);
    o.requests = 5000;
    o.keep_records = 1000;
    auto run = lab::run_load(o);
    CHECK(run.requests.size() == 1000);  // 500 per thread
    CHECK(run.folded.count == 4000);
    CHECK(run.total() == 5000);
    CHECK(run.folded.ok() == 4000);
    CHECK(run.folded.latency_ms.count() == 4000);
    CHECK(run.folded.per_pid.at(t.server.pid()) == 4000);  // the server fields of folded requests count too
    CHECK_FALSE(run.record_limit_reached);
    std::int64_t in_series = 0;
    for (const auto& s : run.per_second) in_series += s.requests;
    CHECK(in_series == 5000);

    o.requests = 900;  // a count that fits is kept whole
    run = lab::run_load(o);
    CHECK(run.requests.size() == 900);
    CHECK(run.folded.count == 0);
}

TEST_CASE("a 5 s run has 5 per-second rows that sum to its requests" * doctest::test_suite("slow")) {
    target t;
    auto arm = load_json({t.url("/health"), "-c", "4", "-d", "5"});
    const auto& seconds = arm["per_second"];
    REQUIRE(seconds.size() == 5);
    long long requests = 0, ok = 0;
    for (std::size_t i = 0; i < seconds.size(); ++i) {
        CAPTURE(i);
        CHECK(seconds[i]["second"] == i);
        CHECK(seconds[i]["requests"].get<long long>() > 0);  // no second of a 5 s run is empty
        CHECK(seconds[i]["p99_ms"].get<double>() >= seconds[i]["p50_ms"].get<double>());
        requests += seconds[i]["requests"].get<long long>();
        ok += seconds[i]["ok"].get<long long>();
    }
    CHECK(requests == arm["requests"].get<long long>());
    CHECK(ok == arm["ok"].get<long long>());
    CHECK(arm["records_kept"].get<long long>() + arm["requests_folded"].get<long long>() == requests);
}

TEST_CASE("an open loop far ahead of its server drains its backlog for one more -d — then says what it never sent") {
    target t;
    // /blocking serializes: about 20 answers a second against 100 scheduled in the first second.
    std::vector<std::string> args{"load", t.url("/blocking?ms=50"), "-c", "10", "--rate", "100", "-d", "1",
                                  "--format", "json"};
    auto r = run_lab(args, 60);
    CAPTURE(r.err);
    CHECK(r.exit_code == 1);  // partial: not every scheduled request was sent
    auto arm = nlohmann::json::parse(r.out);
    const auto unsent = arm["unsent"].get<long long>();
    CHECK(unsent > 0);
    CHECK(arm["ok"].get<long long>() + unsent + arm.value("cancelled", 0) == 100);
    CHECK(arm["ok"].get<long long>() < 100);
    CHECK(r.err.find("scheduled requests were never sent: an open loop drains its backlog for at most another 1 s "
                     "past its 1 s") != std::string::npos);
}

TEST_CASE("an open loop keeps each request's planned send time") {
    target t;
    auto arm = load_json({t.url("/async?ms=5"), "-c", "2", "--rate", "100", "-n", "20"});
    CHECK(arm["ok"] == 20);
    CHECK(arm["rate"] == 100.0);
    REQUIRE(arm["requests_detail"].size() == 20);
    // Request i is due at i / rate: 10 ms apart.
    CHECK(arm["requests_detail"][0]["planned_ms"].get<double>() == doctest::Approx(0).epsilon(0.01));
    CHECK(arm["requests_detail"][19]["planned_ms"].get<double>() == doctest::Approx(190).epsilon(0.01));
    CHECK(in_order(arm["requests_detail"], "planned_ms"));
    for (const char* key : {"latency_corrected_ms", "queue_delay_ms", "corrected_first_tenth_ms"})
        CHECK_MESSAGE(arm.contains(key), key);
    CHECK(arm["duration_s"].get<double>() >= 0.19);
}

TEST_CASE("connection: close opens a connection per request") {
    target t;
    auto arm = load_json({t.url("/health"), "-c", "3", "-n", "30", "--connection", "close"});
    CHECK(arm["ok"] == 30);
    CHECK(arm["connection"] == "close");
}

TEST_CASE("a body ended by the server's close is read whole — a body cut short is a read failure") {
    lab::test::canned_server until_close("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
                                         R"({"pid":7,"thread":8,"start_ns":1,"end_ns":2})");
    auto arm = load_json({until_close.url(), "-c", "2", "-n", "6"});
    CHECK(arm["ok"] == 6);
    CHECK(arm["per_pid"]["7"] == 6);  // the server's fields were read from the whole body

    lab::test::canned_server cut("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"pid\":");
    arm = load_json({cut.url(), "-c", "2", "-n", "4", "--timeout", "5"}, 1);
    CHECK(arm["ok"] == 0);
    CHECK(arm["errors"]["read"] == 4);
}

TEST_CASE("a body of any length is read and counted — only a bounded head of it is kept") {
    // 20 MB of JSON-looking body: past what a connection keeps, so its fields are not read.
    const std::string body = R"({"pid":7,"thread":8,"start_ns":1,"end_ns":2,"pad":")" + std::string(20'000'000, 'x') + "\"}";
    lab::test::canned_server big("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto arm = load_json({big.url(), "-c", "2", "-n", "4", "--detail"});
    CHECK(arm["ok"] == 4);
    CHECK(arm["per_pid"].empty());
    for (const auto& r : arm["requests_detail"]) CHECK(r["bytes"].get<double>() > 20e6);
}

TEST_CASE("requests_detail is left out past 10000 requests unless --detail asks") {
    target t;
    auto arm = load_json({t.url("/health"), "-c", "16", "-n", "10001"});
    CHECK(arm["ok"] == 10001);
    CHECK_FALSE(arm.contains("requests_detail"));
    arm = load_json({t.url("/health"), "-c", "16", "-t", "2", "-n", "10001", "--detail"});
    CHECK(arm["requests_detail"].size() == 10001);
    // Sixteen connections on two threads, each with its own records: one order, by send time.
    CHECK(in_order(arm["requests_detail"], "start_ms"));
}

TEST_CASE("overload: above capacity — corrected latency climbs while uncorrected hides it" * measures() * doctest::test_suite("slow")) {
    auto r = run_lab({"scenario", "overload", "--format", "json"}, 60);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    const auto& below = doc["arms"][0];
    const auto& above = doc["arms"][1];
    CHECK(below["latency_corrected_ms"]["p99"].get<double>() <= 2 * below["latency_ms"]["p99"].get<double>());
    CHECK(above["corrected_last_tenth_ms"].get<double>() >= 3 * above["corrected_first_tenth_ms"].get<double>());
    CHECK(above["latency_corrected_ms"]["p99"].get<double>() >= 3 * above["latency_ms"]["p99"].get<double>());
}

TEST_SUITE_END();
