#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"

#include "synthetic.hpp"

#include <doctest/doctest.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;
using namespace lab::test;

TEST_CASE("percentile uses nearest rank") {
    std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(percentile(v, 50) == 5);
    CHECK(percentile(v, 90) == 9);
    CHECK(percentile(v, 99) == 10);
    CHECK(percentile(v, 0) == 1);
    CHECK(percentile(v, 100) == 10);
    CHECK(percentile({}, 50) == 0);
    CHECK(percentile({7}, 99) == 7);
}

TEST_CASE("ideal models follow DESIGN.md §4") {
    CHECK(ideal_ms(model_kind::serialized, 10, 10, 40, 100) == 1000);
    CHECK(ideal_ms(model_kind::concurrent, 10, 10, 40, 100) == 100);
    CHECK(ideal_ms(model_kind::concurrent, 10, 3, 40, 100) == 400);
    CHECK(ideal_ms(model_kind::pool, 100, 100, 40, 100) == 300);
    CHECK(ideal_ms(model_kind::pool, 10, 5, 40, 100) == 200);  // client concurrency limits too
    CHECK(ideal_ms(model_kind::none, 10, 10, 40, 100) == 0);
}

TEST_CASE("routes promise models") {
    CHECK(route(find_route("/blocking")).model == model_kind::serialized);
    CHECK(route(find_route("/async")).model == model_kind::concurrent);
    CHECK(route(find_route("/pool")).model == model_kind::pool);
    CHECK(route(find_route("/health")).model == model_kind::none);
    CHECK(find_route("/nowhere") == route_id::unknown);
    CHECK(find_route("/tasks/7") == route_id::task);
    CHECK(arm_route_list() == "/blocking, /async, /pool, /cpu, /tasks, /db/blocking, /db/pool, /db/async, /http/blocking, /http/pool or /http/async");
}

TEST_CASE("the verdict names the closest model") {
    CHECK(closest_model(1010, 10, 10, 40, 100, model_kind::concurrent) == model_kind::serialized);
    CHECK(closest_model(103, 10, 10, 40, 100, model_kind::serialized) == model_kind::concurrent);
    // pool with K >= N ties with concurrent: the arm's own model breaks the tie
    CHECK(closest_model(105, 10, 10, 40, 100, model_kind::pool) == model_kind::pool);
    CHECK(closest_model(310, 100, 100, 40, 100, model_kind::pool) == model_kind::pool);
    CHECK(closest_model(100, 10, 10, 40, 0, model_kind::concurrent) == model_kind::none);
}

TEST_CASE("overlap factor") {
    CHECK(overlap_factor({{0, 10}, {10, 20}, {20, 30}}) == doctest::Approx(1.0));
    CHECK(overlap_factor({{0, 10}, {0, 10}, {0, 10}}) == doctest::Approx(3.0));
    CHECK(overlap_factor({}) == 0);
}

TEST_CASE("a serialized synthetic run is recognised") {
    auto spec = synthetic_spec("blocking", "/blocking", model_kind::serialized);
    auto stats = analyze(spec, synthetic_run(10, 100, true));
    CHECK(stats.wall_ms == doctest::Approx(1000));
    CHECK(stats.ideal_ms == doctest::Approx(1000));
    CHECK(stats.measured_over_ideal == doctest::Approx(1.0));
    CHECK(stats.verdict == model_kind::serialized);
    CHECK(stats.server_overlap == doctest::Approx(1.0));
    CHECK(stats.overlap == doctest::Approx(5.5));  // latencies 100..1000 ms, Σ = 5500
    CHECK(stats.latency_ms.min == doctest::Approx(100));
    CHECK(stats.latency_ms.p50 == doctest::Approx(500));
    CHECK(stats.latency_ms.max == doctest::Approx(1000));
    CHECK(stats.ok == 10);
}

TEST_CASE("a concurrent synthetic run is recognised") {
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent);
    auto stats = analyze(spec, synthetic_run(10, 100, false));
    CHECK(stats.wall_ms == doctest::Approx(100));
    CHECK(stats.verdict == model_kind::concurrent);
    CHECK(stats.server_overlap == doctest::Approx(10));
    CHECK(stats.overlap == doctest::Approx(10));
}

TEST_CASE("failures are counted by kind and kept out of latencies") {
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent);
    auto run = synthetic_run(10, 100, false);
    run.requests[0].error = error_kind::timeout;
    run.requests[1].error = error_kind::connect;
    run.requests[2].error = error_kind::status;
    run.requests[2].status = 500;
    auto stats = analyze(spec, run);
    CHECK(stats.ok == 7);
    CHECK(stats.errors == std::array<int, 4>{1, 0, 1, 1});
}

TEST_CASE("median of repeats") {
    CHECK(median_index({300, 100, 200}) == 2);
    CHECK(median_index({5}) == 0);
    CHECK(median_index({4, 1, 3, 2}) == 3);  // lower median: value 2
}

TEST_CASE("a figure below the physical floor is called out") {
    scenario_result r;
    arm_result a;
    a.spec = synthetic_spec("async", "/async", model_kind::concurrent);
    a.spec.seed_s = 0.03;
    a.stats = analyze(a.spec, synthetic_run(10, 100, false));
    r.arms.push_back(a);
    CHECK(physical_floor_ms(a.spec) == 100);
    auto notes = findings(r);
    bool called_out = false;
    for (const auto& n : notes) called_out |= n.find("below the physical floor of 0.10 s") != std::string::npos;
    CHECK(called_out);

    r.arms[0].spec.seed_s = 0.12;  // possible: no note
    notes = findings(r);
    for (const auto& n : notes) CHECK(n.find("physical floor") == std::string::npos);
}

TEST_CASE("completion waves split at gaps longer than half a handler") {
    load_run run;
    run.t0_ns = 0;
    auto done_at = [&](std::int64_t ms) {
        request_record r;
        r.end_ns = ms * ms_ns;
        run.requests.push_back(r);
    };
    for (int i = 0; i < 4; ++i) done_at(100 + i);
    for (int i = 0; i < 4; ++i) done_at(200 + i);
    done_at(301);
    run.requests.push_back({0, 150 * ms_ns, 0, 0, error_kind::read, {}});  // failures don't count
    CHECK(completion_waves(run, 50 * ms_ns) == std::vector<int>{4, 4, 1});
    CHECK(completion_waves(run, 500 * ms_ns) == std::vector<int>{9});
    CHECK(completion_waves({}, 1).empty());
}

TEST_SUITE_END();
