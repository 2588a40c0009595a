// Each request's way through the lab's server (DESIGN.md §11, issue 32): the states it records
// per route, what the counts at fixed instants say for the notes' three rows, and the HTML
// replay of them as a browser shows it.
#include "run_command.hpp"

#include "canned_server.hpp"
#include "process/server_process.hpp"

#include <doctest/doctest.h>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;

namespace {

// "KRWYRD": the letters of a request's states, in order (the replay's and the timeline's spelling).
std::string sequence(const nlohmann::json& request) {
    static const std::map<std::string, char> letter{{"kernel", 'K'}, {"running", 'R'}, {"waiting", 'W'}, {"ready", 'Y'},
                                                    {"queued", 'Q'}, {"pool", 'P'},    {"done", 'D'}};
    std::string out;
    for (const auto& mark : request["states"]) out += letter.at(mark[0].get<std::string>());
    return out;
}

// How many requests of an arm are in each state at t ms: the test's own reading of the marks.
std::map<std::string, int> counts_at(const nlohmann::json& arm, double t) {
    std::map<std::string, int> out;
    for (const auto& r : arm["requests_detail"]) {
        if (t < r["start_ms"].get<double>() || t >= r["end_ms"].get<double>()) continue;
        std::string state;
        for (const auto& mark : r["states"])
            if (mark[1].get<double>() <= t) state = mark[0].get<std::string>();
        ++out[state];
    }
    return out;
}


}  // namespace

TEST_CASE("each route records its sequence of states") {
    lab::server_process server(LAB_BINARY, {"--quiet"});
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const std::map<std::string, std::string> expected{
        {"/blocking?ms=5", "KRD"},        // on the loop from the read to the answer
        {"/async?ms=5", "KRWYRD"},        // a timer: waiting, ready when it fell due, resumed
        {"/pool?ms=5", "KRQPYRD"},        // queued for a thread, on it, its result posted back, resumed
        {"/cpu?n=1000&on=pool", "KRQPYRD"},
        {"/cpu?n=1000&on=loop", "KRD"},
    };
    for (const auto& [path, states] : expected) {
        CAPTURE(path);
        const auto r = run_lab({"load", "-n", "1", "-c", "1", "--format", "json", "--detail", base + path}, 30);
        REQUIRE(r.exit_code == 0);
        const auto request = nlohmann::json::parse(r.out)["requests_detail"][0];  // load's JSON is its one arm
        CHECK(sequence(request) == states);
        // In time order, inside the client's span of the request.
        double last = request["start_ms"].get<double>();
        for (const auto& mark : request["states"]) {
            CHECK(mark[1].get<double>() >= last);
            last = mark[1].get<double>();
        }
        CHECK(last <= request["end_ms"].get<double>());
    }
}

TEST_CASE("at t/2 the counts follow the model: 1 running and 9 in the kernel — 10 waiting — 10 in the pool") {
    const std::map<std::string, std::map<std::string, int>> expected{
        {"blocking-async", {{"running", 1}, {"kernel", 9}}},
        {"nonblocking-async", {{"waiting", 10}}},
        {"sync-threadpool", {{"pool", 10}}},
    };
    for (const auto& [scenario, counts] : expected) {
        CAPTURE(scenario);
        const auto r = run_lab({"scenario", scenario, "--format", "json", "--detail"}, 60);
        REQUIRE(r.exit_code == 0);
        const auto arm = nlohmann::json::parse(r.out)["arms"][0];
        CHECK(counts_at(arm, 50) == counts);  // t = 100 ms: halfway through the first request's handler
        // The queues as numbers: the same states, as max and mean over the run.
        const auto& depths = arm["queue_depths"];
        for (const auto& [state, n] : counts) CHECK(depths[state]["max"].get<int>() >= n);
    }
}

TEST_CASE("the HTML replay shows the counts at fixed instants in a browser" * doctest::test_suite("slow")) {
    const auto chromium = run_shell("command -v chromium");
    REQUIRE_MESSAGE(!chromium.empty(), "chromium is not installed (.ci/run installs it)");
    const auto dir = fs::temp_directory_path() / ("lab-replay-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    struct instant {
        const char* scenario;
        const char* arm;
        const char* at;
        std::map<std::string, int> counts;
    };
    const std::vector<instant> instants{
        {"blocking-async", "blocking", "50", {{"kernel", 9}, {"running", 1}}},
        {"blocking-async", "blocking", "0", {}},  // before any was sent, every box is empty
        {"nonblocking-async", "async", "50", {{"waiting", 10}}},
        {"sync-threadpool", "pool", "50", {{"pool", 10}}},
    };
    std::map<std::string, fs::path> pages;
    for (const auto& i : instants) {
        CAPTURE(i.scenario);
        CAPTURE(i.at);
        auto& page = pages[i.scenario];
        if (page.empty()) {
            page = dir / (std::string(i.scenario) + ".html");
            REQUIRE(run_lab({"scenario", i.scenario, "--format", "html", "--out", page.string()}, 60).exit_code == 0);
        }
        const auto dom = run_shell("timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom 'file://" +
                                   page.string() + "#replay=" + i.arm + "@" + i.at + "' 2>/dev/null");
        for (const char* box : {"kernel", "ready", "running", "waiting", "pool", "done"}) {
            CAPTURE(box);
            const auto want = i.counts.contains(box) ? i.counts.at(box) : 0;
            CHECK(dom.find(std::string("data-box=\"") + box + "\" data-count=\"" + std::to_string(want) + "\"") !=
                  std::string::npos);
        }
        CHECK(dom.find("data-t=\"" + std::string(i.at) + ".000\"") != std::string::npos);  // the clock stands there
    }
    fs::remove_all(dir);
}

TEST_CASE("states on another clock — or past an int64 — are not kept: no replay from a server elsewhere") {
    // A server whose marks are not on this machine's clock (read 1 ns after boot), and one whose
    // numbers would overflow; each answers at once with otherwise good handler fields.
    for (const char* timing : {"read_ns;desc=1, states;desc=R0.D5",
                               "read_ns;desc=922337203685477580, states;desc=R0.D86400000000",
                               "read_ns;desc=9223372036854775807, states;desc=R0.D5"}) {
        CAPTURE(timing);
        canned_server server(std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer-Timing: ") + timing +
                             "\r\nConnection: close\r\n\r\nok");
        const auto r = run_lab({"load", "-n", "2", "-c", "1", "--connection", "close", "--format", "json", "--detail",
                                server.url()},
                               30);
        REQUIRE(r.exit_code == 0);
        const auto arm = nlohmann::json::parse(r.out);
        CHECK_FALSE(arm["requests_detail"][0].contains("states"));
        CHECK_FALSE(arm.contains("queue_depths"));
    }
}
