// Long runs in constant memory: the latency histogram's accuracy against exact percentiles,
// and what a run folds past its kept records, which the analysis must count as if kept.
#include "analysis/analysis.hpp"
#include "model/latency_histogram.hpp"
#include "model/request_tally.hpp"
#include "synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <doctest/doctest.h>
#include <map>
#include <random>
#include <vector>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;

TEST_CASE("histogram percentiles match exact ones within 1 percent on a million requests") {
    // Latencies as servers have them: a log-normal body (median 5 ms) and a slow tail.
    std::mt19937_64 random(20261202);
    std::lognormal_distribution<double> body(std::log(5.0), 0.6);
    std::exponential_distribution<double> tail(1 / 200.0);
    std::vector<double> exact;
    latency_histogram h;
    for (int i = 0; i < 1'000'000; ++i) {
        const double ms = i % 100 == 0 ? 50 + tail(random) : body(random);
        exact.push_back(ms);
        h.add(ms);
    }
    std::sort(exact.begin(), exact.end());
    CHECK(h.count() == 1'000'000);
    CHECK(h.min() == exact.front());
    CHECK(h.max() == exact.back());
    for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
        CAPTURE(p);
        const double want = percentile(exact, p), got = h.quantile(p);
        CAPTURE(want);
        CAPTURE(got);
        CHECK(std::abs(got - want) / want <= 0.01);
    }
    // Merged halves read as the whole.
    latency_histogram a, b;
    for (std::size_t i = 0; i < exact.size(); ++i) (i % 2 ? a : b).add(exact[i]);
    a.merge(b);
    CHECK(a.count() == h.count());
    CHECK(a.quantile(99) == h.quantile(99));
}

TEST_CASE("values off the histogram's axis read as the exact extremes") {
    latency_histogram h;
    CHECK(h.quantile(50) == 0);  // empty
    h.add(0.0001);  // under 1 µs
    h.add(5e6);     // over 1000 s
    CHECK(h.quantile(1) == 0.0001);
    CHECK(h.quantile(100) == 5e6);
    latency_histogram copy = h;
    copy.add(1);
    CHECK(copy.count() == 3);
    CHECK(h.count() == 2);  // a copy is its own
}

TEST_CASE("a run folded past its kept records analyses like the same run kept whole") {
    const auto spec = test::synthetic_spec("async", "/async", model_kind::concurrent, 1000);
    load_run whole = test::synthetic_run(1000, 100, false);
    whole.requests[7].error = error_kind::timeout;
    whole.requests[900].error = error_kind::status;
    load_run folded = whole;
    folded.requests.resize(100);  // keep the first hundred, fold the rest
    for (std::size_t i = 100; i < whole.requests.size(); ++i) folded.folded.add(whole.requests[i]);
    CHECK(folded.total() == 1000);

    const auto a = analyze(spec, whole), b = analyze(spec, folded);
    CHECK(b.ok == a.ok);
    CHECK(b.errors == a.errors);
    CHECK(b.wall_ms == a.wall_ms);
    CHECK(b.rps == doctest::Approx(a.rps));
    CHECK(b.bytes_per_s == doctest::Approx(a.bytes_per_s));
    CHECK(b.overlap == doctest::Approx(a.overlap));
    CHECK(b.server_overlap == doctest::Approx(a.server_overlap));
    CHECK(b.per_pid == a.per_pid);
    CHECK(b.verdict == a.verdict);
    CHECK(b.latency_ms.max == a.latency_ms.max);
    CHECK(b.latency_ms.p99 == doctest::Approx(a.latency_ms.p99).epsilon(latency_histogram::relative_error));
}

TEST_CASE("the per-second series counts every request in the second it ended — up to the last one") {
    std::vector<second_stats> series;
    const std::int64_t t0 = 1'000'000'000;
    auto at = [&](double s, error_kind e = error_kind::none) {
        request_record r;
        r.start_ns = t0 + static_cast<std::int64_t>(s * 1e9) - 1'000'000;
        r.end_ns = t0 + static_cast<std::int64_t>(s * 1e9);
        r.error = e;
        return r;
    };
    add_to_series(series, t0, at(0.5));
    add_to_series(series, t0, at(2.5));
    add_to_series(series, t0, at(2.7, error_kind::read));
    add_to_series(series, t0, at(5.0001), 4);  // a hair past a 5 s run's deadline: its last second
    REQUIRE(series.size() == 5);
    CHECK(series[0].requests == 1);
    CHECK(series[1].requests == 0);
    CHECK(series[2].requests == 2);
    CHECK(series[2].errors[1] == 1);  // read
    CHECK(series[2].latency_ms.count() == 1);
    CHECK(series[4].requests == 1);
    std::vector<second_stats> other;
    add_to_series(other, t0, at(0.1));
    merge_series(series, other);
    CHECK(series[0].requests == 2);
}

TEST_SUITE_END();

TEST_CASE("responses are counted by status exactly — merged — and their body sizes kept") {
    response_tally a, b;
    a.add(200, 10);
    a.add(200, 30);
    b.add(404, 2);
    a.add_many(503, 0);  // a run of none adds no status
    a.merge(b);
    CHECK(a.statuses == std::map<int, std::int64_t>{{200, 2}, {404, 1}});
    CHECK(a.bodies == 3);
    CHECK(a.body_min == 2);
    CHECK(a.body_max == 30);
    CHECK(a.body_sum == 42);
    CHECK(a.body_mean() == doctest::Approx(14));
    response_tally empty;
    empty.merge(a);
    CHECK(empty.body_min == 2);  // an empty tally takes the other's minimum, not its own zero
}

TEST_CASE("the analysis counts every status of a run — the last run of equal ones too — kept and folded alike") {
    const auto spec = test::synthetic_spec("async", "/async", model_kind::concurrent, 100);
    load_run run = test::synthetic_run(6, 100, false);
    const int statuses[] = {200, 200, 404, 404, 200, 503};
    for (std::size_t i = 0; i < run.requests.size(); ++i) {
        run.requests[i].status = statuses[i];
        run.requests[i].body_bytes = static_cast<std::uint32_t>(10 * (i + 1));
        if (statuses[i] != 200) run.requests[i].error = error_kind::status;
    }
    const auto s = analyze(spec, run);
    CHECK(s.responses.statuses == std::map<int, std::int64_t>{{200, 3}, {404, 2}, {503, 1}});
    CHECK(s.responses.body_min == 10);
    CHECK(s.responses.body_max == 60);
    load_run folded = run;
    folded.requests.resize(2);
    for (std::size_t i = 2; i < run.requests.size(); ++i) folded.folded.add(run.requests[i]);
    const auto f = analyze(spec, folded);
    CHECK(f.responses.statuses == s.responses.statuses);
    CHECK(f.responses.body_sum == s.responses.body_sum);
}
