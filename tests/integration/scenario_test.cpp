// Real server, real load, ratios only: margins chosen to hold on a loaded 2-core box.
#include "run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using lab::test::run_lab;

namespace {

nlohmann::json run_scenario_json(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"scenario", name, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_lab(args, 120);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("blocking in the loop serializes; awaiting overlaps (10 × 100 ms)") {
    auto blocking = run_scenario_json("blocking-async", {"--repeat", "3"})["arms"][0];
    auto async = run_scenario_json("nonblocking-async", {"--repeat", "3"})["arms"][0];
    double b = blocking["wall_ms"], a = async["wall_ms"];
    CAPTURE(b);
    CAPTURE(a);
    CHECK(b / a >= 5);
    CHECK(a < 2 * 100);
    CHECK(blocking["verdict"] == "serialized");
    CHECK(async["verdict"] == "concurrent");
    CHECK(blocking["server_overlap"].get<double>() == doctest::Approx(1.0).epsilon(0.1));
    CHECK(async["server_overlap"].get<double>() >= 5);
    CHECK(blocking["errors"]["read"] == 0);
    CHECK(async["ok"] == 10);
    CHECK(blocking["requests_detail"].size() == 10);
    CHECK(blocking["repeat_wall_ms"].size() == 3);
}

TEST_CASE("overrides reach the run") {
    auto arm = run_scenario_json("nonblocking-async", {"--requests", "6", "--concurrency", "3", "--ms", "30"})["arms"][0];
    CHECK(arm["requests"] == 6);
    CHECK(arm["concurrency"] == 3);
    CHECK(arm["route"] == "/async");
    CHECK(arm["ideal_ms"] == 60.0);  // ⌈6/3⌉ × 30 ms
    CHECK(arm["ok"] == 6);
    CHECK(arm["wall_ms"].get<double>() >= 60);
}

TEST_CASE("the table is what a projector shows") {
    auto r = run_lab({"scenario", "blocking-async", "--requests", "4", "--ms", "20"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("blocking-async — ") != std::string::npos);
    CHECK(r.out.find("/blocking?ms=20") != std::string::npos);
    CHECK(r.out.find("serialized") != std::string::npos);
    CHECK(r.err.empty());  // stderr is not a TTY here: no progress line
}
