// What the lab's server measures of itself, end to end: its loop's lag through a real run, its
// /metrics page checked by Prometheus's own promtool, the GIL's holds from a real server, and a
// trace of a real run.
#include "process/server_process.hpp"
#include "run_command.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;

namespace {

std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

std::string shell(const std::string& command, int* status = nullptr) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        const int rc = ::pclose(p);
        if (status) *status = rc;
    }
    return out;
}

}  // namespace

TEST_CASE("the loop monitor: a blocked loop reports its stall — a free one stays under 10 ms") {
    const auto file = temp_file("lab-lag") .string() + ".toml";
    std::ofstream(file) << "title = \"lag\"\nlesson = \"lag\"\n"
                           "[defaults]\nrequests = 3\nconcurrency = 3\nms = 200\n"
                           "[[arms]]\nname = \"blocking\"\nroute = \"/blocking\"\n"
                           "[[arms]]\nname = \"async\"\nroute = \"/async\"\n";
    auto r = run_lab({"scenario", file, "--format", "json"}, 60);
    std::filesystem::remove(file);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& blocking = doc["arms"][0]["loop_lag_ms"];
    const auto& free = doc["arms"][1]["loop_lag_ms"];
    INFO(blocking.dump(), " ", free.dump());
    // Three blocking sleeps of 200 ms back to back: one stall or several, never under one sleep.
    CHECK(blocking["max"].get<double>() >= 0.8 * 200);
    CHECK(blocking["stalls_over_10ms"].get<int>() >= 1);
    CHECK(blocking["stalled"].get<double>() >= 0.8 * 600);
    CHECK(free["max"].get<double>() < 10);
    CHECK(free["stalls_over_10ms"] == 0);
    CHECK(doc["notes"][0].get<std::string>().find("blocking was frozen") != std::string::npos);
}

TEST_CASE("GET /metrics is valid Prometheus text — every worker reports — promtool agrees") {
    lab::server_process server(LAB_BINARY, {"--workers", "2"});
    httplib::Client c("127.0.0.1", server.port());
    std::set<long long> pids;
    // Until both workers have answered something: the kernel hands connections to either.
    for (int i = 0; i < 200 && pids.size() < 2; ++i) {
        httplib::Client fresh("127.0.0.1", server.port());
        auto res = fresh.Get("/async?ms=1");
        REQUIRE(res);
        pids.insert(nlohmann::json::parse(res->body)["pid"].get<long long>());
    }
    REQUIRE(pids.size() == 2);
    auto res = c.Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
    const std::string& text = res->body;
    for (auto pid : pids) {
        INFO(text);
        CHECK(text.find("lab_loop_lag_seconds_count{pid=\"" + std::to_string(pid) + "\"}") != std::string::npos);
        CHECK(text.find("lab_requests_total{pid=\"" + std::to_string(pid) + "\",route=\"/async\",status=\"200\"}") !=
              std::string::npos);
    }
    auto bad = c.Get("/metrics?format=xml");
    REQUIRE(bad);
    CHECK(bad->status == 400);

    if (shell("command -v promtool").empty()) {
        MESSAGE("SKIPPED: promtool (Debian's prometheus package) is not installed: /metrics was not linted");
        return;
    }
    const auto page = temp_file("lab-metrics").string();
    std::ofstream(page) << text;
    int status = -1;
    const auto said = shell("promtool check metrics < " + page + " 2>&1", &status);
    std::filesystem::remove(page);
    INFO(said);
    CHECK(status == 0);
    // A page that breaks the format is caught: the check above can fail.
    std::ofstream(page) << text << "lab_loop_lag_seconds_count{pid=\"1\"} not-a-number\n";
    shell("promtool check metrics < " + page + " >/dev/null 2>&1", &status);
    std::filesystem::remove(page);
    CHECK(status != 0);
}

TEST_CASE("with --gil the server reports each hold — and holds never overlap across threads") {
    lab::server_process server(LAB_BINARY, {"--gil", "--pool-threads", "4"});
    // Three at once, from the lab's own client in a process of its own (cpp-httplib's clients on
    // three threads of this one share a std::regex that ThreadSanitizer reports).
    auto load = run_lab({"load", "http://127.0.0.1:" + std::to_string(server.port()) + "/cpu?n=20000000&on=pool", "-n",
                         "3", "-c", "3", "--quiet"},
                        60);
    INFO(load.err);
    REQUIRE(load.exit_code == 0);
    httplib::Client c("127.0.0.1", server.port());
    auto res = c.Get("/metrics?format=json");
    REQUIRE(res);
    const auto doc = nlohmann::json::parse(res->body);
    const auto& holds = doc["processes"][0]["gil"]["holds"];
    REQUIRE(holds.size() >= 3);
    std::vector<std::array<long long, 4>> sorted;
    std::set<long long> threads;
    for (const auto& h : holds) {
        sorted.push_back({h[0], h[1], h[2], h[3]});
        threads.insert(h[0].get<long long>());
    }
    CHECK(threads.size() == 3);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a[2] < b[2]; });
    for (std::size_t i = 1; i < sorted.size(); ++i) CHECK(sorted[i - 1][3] <= sorted[i][2]);
    CHECK(doc["processes"][0]["gil"]["handovers"].get<int>() >= 1);
}

TEST_CASE("load --format trace draws a real run — every request's arrow ends on its handler") {
    lab::server_process server(LAB_BINARY, {"--pool-threads", "4"});
    const auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/pool?ms=20";
    auto r = run_lab({"load", url, "-n", "8", "-c", "4", "--format", "trace"}, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    std::set<long long> handler_threads;
    int begins = 0, ends = 0, flows = 0;
    for (const auto& e : doc["traceEvents"]) {
        if (e["ph"] == "b" && e["cat"] == "request") begins++;
        if (e["ph"] == "e" && e["cat"] == "request") ends++;
        if (e["ph"] == "X" && e["cat"] == "handler") {
            CHECK(e["pid"] == server.pid());
            handler_threads.insert(e["tid"].get<long long>());
        }
        if (e["ph"] == "f") {
            flows++;
            CHECK(e["pid"] == server.pid());
        }
    }
    CHECK(begins == 8);
    CHECK(ends == 8);
    CHECK(flows == 8);
    CHECK(handler_threads.size() >= 2);  // four pool threads took the eight sleeps
}



TEST_CASE("one 200 ms block is one stall — the monitor does not catch up in a burst of late ticks") {
    lab::server_process server(LAB_BINARY, {});
    httplib::Client c("127.0.0.1", server.port());
    REQUIRE(c.Get("/blocking?ms=200"));
    // A monitor that catches up does so in the ticks after the block: give it fifty of them.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto res = c.Get("/metrics?format=json");
    REQUIRE(res);
    const auto lag = nlohmann::json::parse(res->body)["processes"][0]["loop_lag"];
    INFO(lag.dump());
    CHECK(lag["stalls"] == 1);
    CHECK(lag["max_ms"].get<double>() >= 180);
    CHECK(lag["stalled_ms"].get<double>() < 2 * lag["max_ms"].get<double>());
}

TEST_CASE("an uncontended GIL is never handed over — one /cpu alone holds it once") {
    lab::server_process server(LAB_BINARY, {"--gil"});
    httplib::Client c("127.0.0.1", server.port());
    REQUIRE(c.Get("/cpu?n=20000000&on=pool"));  // tens of ms: many 5 ms slices, had anyone waited
    auto res = c.Get("/metrics?format=json");
    REQUIRE(res);
    const auto gil = nlohmann::json::parse(res->body)["processes"][0]["gil"];
    INFO(gil.dump());
    CHECK(gil["handovers"] == 0);
    CHECK(gil["holds"].size() == 1);
}

TEST_SUITE_END();
