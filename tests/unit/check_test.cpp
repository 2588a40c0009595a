#include "check/check.hpp"
#include "check/ratio.hpp"

#include "analysis/analysis.hpp"
#include "synthetic.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;
using namespace lab::test;

scenario_result demo() { return synthetic_result(); }

TEST_CASE("ratios parse as ARM.METRIC / ARM.METRIC or one dimensionless term") {
    std::string error;
    auto two = parse_ratio(" blocking.wall / async.wall ", error);
    REQUIRE(two);
    CHECK(two->arm_a == "blocking");
    CHECK(two->metric_b == "wall");
    CHECK(parse_ratio("async.server_overlap", error));
    CHECK_FALSE(parse_ratio("async.wall", error));
    CHECK(error == "'async.wall' has units (ms): divide it by another arm's or its own ideal");
    CHECK_FALSE(parse_ratio("a.wall / b.wall / c.wall", error));
    CHECK(error == "only one '/' is allowed");
    CHECK_FALSE(parse_ratio("a.speed / b.wall", error));
    CHECK(error.starts_with("unknown metric 'speed' (expected one of: wall, ideal,"));
    CHECK_FALSE(parse_ratio("wall", error));
    CHECK(error == "'wall' is not ARM.METRIC");
}

TEST_CASE("ratios evaluate against a result") {
    auto r = demo();
    std::string error;
    CHECK(*evaluate(*parse_ratio("blocking.wall / async.wall", error), r, error) == doctest::Approx(10));
    CHECK(*evaluate(*parse_ratio("async.server_overlap", error), r, error) == doctest::Approx(10));
    CHECK_FALSE(evaluate(*parse_ratio("pool.wall / async.wall", error), r, error));
    CHECK(error == "no arm 'pool' in scenario demo");
    CHECK_FALSE(evaluate(*parse_ratio("async.probe / async.ideal", error), r, error));
    CHECK(error == "async.probe has no value in this run: it sent no probe");
}

TEST_CASE("expectations pass within bounds and baseline — with the tightest margin") {
    auto r = demo();
    std::vector<expectation> e{{"serializes", "blocking.wall / async.wall", 5.0, std::nullopt, 0.4},
                               {"too strict", "blocking.wall / async.wall", 11.0, std::nullopt, 0.4},
                               {"missing arm", "pool.wall / async.wall", 1.0, std::nullopt, 0.4}};
    auto rows = evaluate_expectations(e, r, nullptr);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].pass);
    CHECK(rows[0].margin == doctest::Approx(1.0));  // 10 against ≥ 5
    CHECK_FALSE(rows[1].pass);
    CHECK(rows[1].margin == doctest::Approx(10.0 / 11 - 1));
    CHECK_FALSE(rows[2].pass);
    CHECK(rows[2].error == "no arm 'pool' in scenario demo");

    baseline recorded;
    recorded.ratios["demo/serializes"] = {20.0, 0.4, "blocking.wall / async.wall"};  // 10 is 50% off 20: outside ± 40%
    rows = evaluate_expectations({e[0]}, r, &recorded);
    CHECK_FALSE(rows[0].pass);
    CHECK(rows[0].margin == doctest::Approx(0.4 - 0.5));
    recorded.ratios["demo/serializes"] = {9.0, 0.4, "blocking.wall/async.wall"};  // spaces aside, the same
    CHECK(evaluate_expectations({e[0]}, r, &recorded)[0].pass);
}

TEST_CASE("a baseline entry is used only for the expression it was recorded for — a stale one is named") {
    auto r = demo();
    const expectation e{"serializes", "blocking.wall / async.wall", 5.0, std::nullopt, 0.4};
    baseline recorded;
    // Recorded when the name stood for another ratio (about 1): against it, today's 10 would fail.
    recorded.ratios["demo/serializes"] = {1.0, 0.4, "async.wall / async.ideal"};
    auto rows = evaluate_expectations({e}, r, &recorded);
    CHECK(rows[0].pass);
    CHECK_FALSE(rows[0].recorded);
    REQUIRE(rows[0].stale);
    const auto table = render_check_table(rows);
    CHECK(table.find("demo/serializes: stale baseline entry, not used: it was recorded for 'async.wall / "
                     "async.ideal', and the expectation now reads 'blocking.wall / async.wall'") != std::string::npos);
    // An entry that names no expression cannot be matched to one: stale too.
    recorded.ratios["demo/serializes"] = {10.0, 0.4, ""};
    CHECK(evaluate_expectations({e}, r, &recorded)[0].stale);
}

TEST_CASE("a metric that was not measured has no value — an expectation on it fails and says why") {
    auto r = demo();
    for (auto& a : r.arms) a.stats.server_fields = false;  // a server that reports nothing of its handlers
    std::string error;
    CHECK_FALSE(evaluate(*parse_ratio("async.server_overlap", error), r, error));
    CHECK(error == "async.server_overlap has no value in this run: its server reported no handler times (no "
                   "Server-Timing, no fields)");
    const std::vector<expectation> e{{"bounded", "async.server_overlap", std::nullopt, 1.2, 0.4}};
    auto rows = evaluate_expectations(e, r, nullptr);
    CHECK_FALSE(rows[0].pass);
    for (auto& a : r.arms) a.stats.ideal_ms = 0;  // no t, no model
    CHECK_FALSE(evaluate(*parse_ratio("async.wall_over_ideal", error), r, error));
    CHECK(error == "async.wall_over_ideal has no value in this run: it has no model to compare with (no t)");
}

TEST_CASE("the check table and JUnit say what failed") {
    auto r = demo();
    std::vector<expectation> e{{"serializes", "blocking.wall / async.wall", 5.0, std::nullopt, 0.4},
                               {"too strict", "blocking.wall / async.wall", 11.0, 12.0, 0.4}};
    auto rows = evaluate_expectations(e, r, nullptr);
    auto table = render_check_table(rows);
    CHECK(table.find("\ncheck: 1 passed, 1 failed\n") != std::string::npos);
    CHECK(table.find("11 … 12") != std::string::npos);
    auto xml = render_junit(rows, 1.5);
    CHECK(xml.find("<testsuite name=\"concurrency-lab check\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.500\">") !=
          std::string::npos);
    CHECK(xml.find("message=\"blocking.wall / async.wall = 10.000, outside 11 … 12\"") != std::string::npos);
    // No baseline: each row is judged on its bounds alone, and the report says so in words.
    CHECK(table.find("no baseline entry for 2 of 2 ratios: checked against their bounds alone") != std::string::npos);
    CHECK(xml.find("<property name=\"baseline\" value=\"none\"/>") != std::string::npos);
    baseline recorded;
    recorded.ratios["demo/serializes"] = {9.0, 0.4, "blocking.wall / async.wall"};
    auto some = evaluate_expectations(e, r, &recorded);
    CHECK(render_check_table(some).find("no baseline entry for 1 of 2 ratios") != std::string::npos);
    // Recording writes the entries: no advice to record one.
    CHECK(render_check_table(some, 0, true).find("no baseline entry") == std::string::npos);
    CHECK(render_junit(some, 1).find("<property name=\"baseline\" value=\"9\"/>") != std::string::npos);
    // Cut short by a signal: neither pass nor FAIL, and JUnit skips it rather than failing it.
    some[1].interrupted = true;
    some[1].pass = false;
    const auto cut = render_check_table(some);
    CHECK(cut.find("interrupted\n") != std::string::npos);
    CHECK(cut.find("check: 1 passed, 0 failed, 1 interrupted\n") != std::string::npos);
    const auto cut_xml = render_junit(some, 1);
    CHECK(cut_xml.find("failures=\"0\"") != std::string::npos);
    CHECK(cut_xml.find("skipped=\"1\"") != std::string::npos);
    CHECK(cut_xml.find("<skipped message=\"interrupted: a signal cut the run of this scenario short\"/>") != std::string::npos);
}

TEST_CASE("a recorded baseline keeps what it did not measure and reads back — tiny ratios included") {
    lab::baseline kept;
    kept.ratios["other/kept ratio"] = {3.5, 0.4, "a.wall / b.wall"};
    kept.ratios["demo/serializes"] = {1.0, 0.4, "blocking.wall / async.wall"};
    lab::check_row tiny;
    tiny.scenario = "demo";
    tiny.name = "serializes";
    tiny.ratio = "blocking.wall / async.wall";
    tiny.measured = 0.00032971;  // three decimals would round it to 0, an entry the reader refuses
    auto update = lab::render_baseline({tiny}, &kept);
    CHECK(update.updated == 1);
    CHECK(update.kept == 1);
    auto file = std::filesystem::temp_directory_path() / ("lab-baseline-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << update.document;
    auto back = lab::load_baseline(file);
    std::filesystem::remove(file);
    CHECK(back.ratios.at("demo/serializes").value == doctest::Approx(0.0003297));
    CHECK(back.ratios.at("other/kept ratio").value == 3.5);
    CHECK(back.ratios.at("other/kept ratio").ratio == "a.wall / b.wall");
}

TEST_SUITE_END();
