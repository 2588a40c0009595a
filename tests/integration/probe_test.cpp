// The Python probe in a real FastAPI app under uvicorn (DESIGN.md §8, issue 29): the app is not
// changed; the lab loads the probe and reads what each worker saw of itself. Needs Debian's
// python3-fastapi and python3-uvicorn (scripts/test installs them).
#include "process/server_process.hpp"
#include "run_command.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;

namespace {

const fs::path apps = fs::path(DOCS_DIR).parent_path() / "probes/python/tests/apps";

// A scenario on probes/python/tests/apps/blocking_app.py, run with `extra` after its uvicorn
// arguments and `probe` as given; returns the JSON report.
nlohmann::json run_app(const std::string& arms, const std::string& extra = "", bool probe = true, int expect = 0) {
    const fs::path file = fs::temp_directory_path() / ("lab-probe-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file) << "title = \"probe\"\nlesson = \"l.\"\n[target]\ncommand = [\"/usr/bin/python3\", \"-m\", "
                           "\"uvicorn\", \"blocking_app:app\", \"--port\", \"{port}\", \"--log-level\", \"warning\""
                        << extra << "]\ncwd = \"" << apps.string() << "\"\nready = \"/health\"\nready_timeout_s = 30\n"
                        << (probe ? "probe = true\n" : "") << arms;
    auto r = run_lab({"scenario", file.string(), "--format", "json"}, 120);
    fs::remove(file);
    INFO(r.err);
    REQUIRE(r.exit_code == expect);
    return nlohmann::json::parse(r.out);
}

bool says(const nlohmann::json& doc, const std::string& text) {
    for (const auto& n : doc["notes"])
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("a probed app names the line that blocked its loop — two functions below the handler") {
    const auto doc = run_app("[[arms]]\nname = \"blocking\"\npath = \"/blocking\"\nms = 50\nmodel = \"concurrent\"\n"
                             "[[arms]]\nname = \"async\"\npath = \"/async\"\nms = 50\nmodel = \"concurrent\"\n"
                             "[[arms]]\nname = \"pool\"\npath = \"/pool\"\nms = 50\nmodel = \"pool\"\n");
    const auto& blocking = doc["arms"][0];
    REQUIRE(blocking["blocked"]["places"].size() >= 1);
    const auto& top = blocking["blocked"]["places"][0];
    CHECK(top["file"].get<std::string>().ends_with("blocking_app.py"));
    CHECK(top["line"] == 13);
    CHECK(top["function"] == "load_order");
    CHECK(top["code"] == "time.sleep(0.05)");
    CHECK(top["in_app"] == true);
    CHECK(top["ms"].get<double>() >= 0.8 * 10 * 50);  // ten sleeps held it
    CHECK(says(doc, "blocking: the loop was blocked"));
    CHECK(says(doc, "at blocking_app.py:13 in load_order: time.sleep(0.05)"));
    CHECK(blocking["peak_rss_kb"].get<long long>() > 10 * 1024);  // uvicorn and FastAPI, sampled as the lab's own
    // Awaiting: nothing of the app's held the loop, and the lag says how little it was late.
    const auto& async = doc["arms"][1];
    for (const auto& place : async["blocked"]["places"]) CHECK(place["in_app"] == false);
    CHECK(async["loop_lag_ms"]["processes"] == 1);
    // Late by a fraction of what the blocked loop was (a loaded machine may add a stray 10 ms).
    CHECK(async["loop_lag_ms"]["max"].get<double>() < 0.2 * blocking["loop_lag_ms"]["max"].get<double>());
    INFO(doc["notes"].dump());
    CHECK(says(doc, "async was never late by") == (async["loop_lag_ms"]["stalls_over_10ms"] == 0));
    // A def endpoint: each body on one of the pool's threads, not the loop's; they overlapped.
    const auto& pool = doc["arms"][2];
    CHECK(pool["server_fields"] == true);
    CHECK(pool["server_overlap"].get<double>() >= 5);
    for (const auto& r : pool["requests_detail"]) CHECK(r["thread"] != r["pid"]);
    for (const auto& r : async["requests_detail"]) CHECK(r["thread"] == r["pid"]);  // the loop's thread
}

TEST_CASE("a stall inside a C library call names the app's line that made it") {
    const auto doc = run_app("[[arms]]\nname = \"sqlite\"\npath = \"/sqlite\"\nrequests = 2\nconcurrency = 2\n");
    const auto& places = doc["arms"][0]["blocked"]["places"];
    REQUIRE(places.size() >= 1);
    CHECK(places[0]["function"] == "slow_query");
    CHECK(places[0]["code"].get<std::string>().starts_with("db.execute("));
}

TEST_CASE("with --workers 3 every worker's loop is read") {
    const auto doc = run_app("[[arms]]\nname = \"blocking\"\npath = \"/blocking\"\nms = 50\nrequests = 6\nconcurrency = 6\n",
                             ", \"--workers\", \"3\"");
    const auto& arm = doc["arms"][0];
    CHECK(arm["loop_lag_ms"]["processes"] == 3);
    CHECK(arm["memory"].size() >= 4);  // uvicorn's supervisor and its three workers, a level below it
    REQUIRE(arm["blocked"]["places"].size() >= 1);
    CHECK(arm["blocked"]["places"][0]["function"] == "load_order");
}

TEST_CASE("under gunicorn's UvicornWorker the probe loads too — both workers read") {
    const fs::path file = fs::temp_directory_path() / ("lab-gunicorn-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file) << "title = \"g\"\nlesson = \"l.\"\n[target]\ncommand = [\"/usr/bin/python3\", \"-m\", \"gunicorn\", "
                           "\"-k\", \"uvicorn.workers.UvicornWorker\", \"-w\", \"2\", \"-b\", \"127.0.0.1:{port}\", "
                           "\"blocking_app:app\"]\ncwd = \""
                        << apps.string()
                        << "\"\nready = \"/health\"\nready_timeout_s = 30\nprobe = true\n[[arms]]\nname = \"blocking\"\n"
                           "path = \"/blocking\"\nms = 50\nrequests = 6\nconcurrency = 6\n";
    auto r = run_lab({"scenario", file.string(), "--format", "json"}, 120);
    fs::remove(file);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto arm = nlohmann::json::parse(r.out)["arms"][0];
    CHECK(arm["server_fields"] == true);
    CHECK(arm["loop_lag_ms"]["processes"] == 2);
    REQUIRE(arm["blocked"]["places"].size() >= 1);
    CHECK(arm["blocked"]["places"][0]["function"] == "load_order");
}

TEST_CASE("without the probe the same app gives the client's figures alone") {
    const auto doc = run_app("[[arms]]\nname = \"blocking\"\npath = \"/blocking\"\nms = 50\n", "", false);
    const auto& arm = doc["arms"][0];
    CHECK(arm["server_fields"] == false);
    CHECK(arm["loop_lag_ms"].is_null());
    CHECK_FALSE(arm.contains("blocked"));
    CHECK(arm["server_overlap"].is_null());
}

TEST_CASE("the lab's own server sends Server-Timing — the same run its body reports") {
    lab::server_process server(LAB_BINARY, {});
    httplib::Client c("127.0.0.1", server.port());
    auto res = c.Get("/async?ms=5");
    REQUIRE(res);
    const auto body = nlohmann::json::parse(res->body);
    const auto timing = res->get_header_value("Server-Timing");
    CHECK(timing.starts_with(fmt::format("handler;dur={:.3f}, pid;desc={}, thread;desc={}, start_ns;desc={}, end_ns;desc={}, ",
                                         (body["end_ns"].get<double>() - body["start_ns"].get<double>()) / 1e6,
                                         body["pid"].get<long long>(), body["thread"].get<long long>(),
                                         body["start_ns"].get<long long>(), body["end_ns"].get<long long>())));
    // Then its states (DESIGN.md §11): read, waiting on the timer, ready, resumed, done.
    CHECK(timing.find(", read_ns;desc=") != std::string::npos);
    CHECK(timing.find(", states;desc=R0.W") != std::string::npos);
    // The head is cached after the first answer of its shape: a second answer carries its own run.
    auto again = c.Get("/async?ms=5");
    REQUIRE(again);
    const auto second = nlohmann::json::parse(again->body);
    const auto second_timing = again->get_header_value("Server-Timing");
    CHECK(second_timing.find(fmt::format("start_ns;desc={}, end_ns;desc={}", second["start_ns"].get<long long>(),
                                         second["end_ns"].get<long long>())) != std::string::npos);
    CHECK(second_timing != timing);
    // Routes that report no handler run send none.
    auto health = c.Get("/health");
    REQUIRE(health);
    CHECK_FALSE(health->has_header("Server-Timing"));
}

TEST_SUITE_END();
