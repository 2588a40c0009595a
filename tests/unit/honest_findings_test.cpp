// Issue 15: no sentence claims what the numbers do not show. Each case is a synthetic run
// of a shape the lab once described wrongly.
#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "check/check.hpp"
#include "report/report.hpp"
#include "synthetic.hpp"

#include <doctest/doctest.h>
#include <regex>
#include <string>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;
using namespace lab::test;

namespace {

bool says(const std::vector<std::string>& notes, const std::string& text) {
    for (const auto& n : notes)
        if (n.find(text) != std::string::npos) return true;
    return false;
}

arm_result judged(arm_spec spec, load_run run) {
    arm_result a;
    a.spec = std::move(spec);
    a.run = std::move(run);
    a.stats = analyze(a.spec, a.run);
    return a;
}

scenario_result one_arm(arm_result a) {
    scenario_result r{"demo", "A demo", "A lesson.", {std::move(a)}, {}, {}};
    r.notes = findings(r);
    return r;
}

// N requests of t ms on a prefork server: `split[i]` of them on worker i, each worker
// serving its own one after another, all workers starting together.
load_run prefork_run(const std::vector<int>& split, std::int64_t t_ms) {
    load_run run;
    run.t0_ns = 1000 * ms_ns;
    long long pid = 100;
    for (int n : split) {
        for (int i = 0; i < n; ++i) {
            request_record r;
            r.start_ns = run.t0_ns;
            std::int64_t begin = run.t0_ns + i * t_ms * ms_ns;
            r.end_ns = begin + t_ms * ms_ns;
            r.status = 200;
            r.server = server_fields{pid, pid, begin, r.end_ns};
            run.requests.push_back(r);
        }
        ++pid;
    }
    return run;
}

arm_spec prefork_spec(int requests, int workers) {
    auto spec = synthetic_spec("reuse-port", "/cpu", model_kind::parallel, requests);
    spec.server.workers = workers;
    spec.lanes = workers;
    return spec;
}

}  // namespace

TEST_CASE("a run whose every request timed out is 'failed' and names no model") {
    auto spec = synthetic_spec("slow", "/async", model_kind::concurrent, 4);
    auto run = synthetic_run(4, 63, false);
    for (auto& r : run.requests) r.error = error_kind::timeout;
    auto result = one_arm(judged(spec, run));
    const auto& s = result.arms[0].stats;
    CHECK(s.outcome == run_outcome::failed);
    CHECK(std::string(verdict_name(s)) == "failed");
    CHECK(s.verdict == model_kind::none);
    CHECK_FALSE(every_arm_judged(result));
    CHECK(says(result.notes, "slow: failed — 4 of 4 requests failed (4 timeout), at 63 ms after the window opened"));
    CHECK(says(result.notes, "No model is judged"));
    CHECK_FALSE(says(result.notes, "concurrent —"));
    CHECK_FALSE(says(result.notes, "overlapped"));
}

TEST_CASE("a run with some failures is 'partial' — says what failed and when — and fails its ratios") {
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent);
    auto run = synthetic_run(10, 100, false);
    run.requests[3].error = error_kind::read;
    run.requests[7].error = error_kind::connect;
    auto result = one_arm(judged(spec, run));
    const auto& s = result.arms[0].stats;
    CHECK(s.outcome == run_outcome::partial);
    CHECK(std::string(verdict_name(s)) == "partial");
    CHECK(says(result.notes, "2 of 10 requests failed (1 connect, 1 read)"));
    CHECK(says(result.notes, "8 succeeded"));
    // A ratio over the arm would judge what was not measured.
    auto rows = evaluate_expectations({{"overlaps", "async.wall_over_ideal", std::nullopt, 2.0, 0.4}}, result, nullptr);
    REQUIRE(rows.size() == 1);
    CHECK_FALSE(rows[0].pass);
    CHECK(rows[0].error.find("arm 'async' is partial: 8 of 10 requests succeeded") != std::string::npos);
    // Unless its failures are its lesson, as in worker-crash.
    result.arms[0].spec.expect_failures = true;
    CHECK(every_arm_judged(result));
    rows = evaluate_expectations({{"most answered", "async.ok_fraction", 0.7, std::nullopt, 0.4}}, result, nullptr);
    CHECK(rows[0].pass);
}

TEST_CASE("the ideal counts the requests asked for — never the attempts") {
    auto spec = synthetic_spec("load", "/async", model_kind::concurrent, 10);
    auto run = synthetic_run(10, 100, false);
    for (int i = 0; i < 5; ++i) run.requests.pop_back();  // an interrupted run answered 5 of 10
    auto stats = analyze(spec, run);
    CHECK(stats.asked == 10);
    CHECK(stats.ideal_ms == doctest::Approx(100));
    CHECK(stats.outcome == run_outcome::partial);
}

TEST_CASE("a prefork arm is judged on the split that happened") {
    // 3 / 1 on two workers of 100 ms: the busier one took 300 ms, so that is the ideal.
    auto result = one_arm(judged(prefork_spec(4, 2), prefork_run({3, 1}, 100)));
    const auto& s = result.arms[0].stats;
    CHECK(s.ideal_ms == doctest::Approx(300));
    CHECK(s.measured_over_ideal == doctest::Approx(1.0));
    CHECK(s.verdict == model_kind::parallel);
    CHECK(s.processes_overlapped);
    CHECK(says(result.notes, "3 / 1 across 2 workers: the busiest served 3 of the 4 requests"));
    CHECK_FALSE(says(result.notes, "serialized"));
    // 2 / 2: the balanced ideal.
    auto even = judged(prefork_spec(4, 2), prefork_run({2, 2}, 100));
    CHECK(even.stats.ideal_ms == doctest::Approx(200));
    CHECK(even.stats.verdict == model_kind::parallel);
}

TEST_CASE("handlers that ran in two processes at once are never called serialized") {
    // 4 × 100 ms split 2 / 2, but each worker slowed to 200 ms a request: wall 400 ms equals
    // the serialized ideal, yet the two processes ran side by side the whole time.
    auto spec = prefork_spec(4, 2);
    auto a = judged(spec, prefork_run({2, 2}, 200));
    CHECK(a.stats.wall_ms == doctest::Approx(400));
    CHECK(a.stats.processes_overlapped);
    CHECK(a.stats.verdict != model_kind::serialized);
    CHECK(a.stats.verdict != model_kind::none);  // the models left still name one
    // Coroutines on two workers (uvicorn --workers 2): serialized ruled out, concurrent left alone
    // is the verdict, not "cannot tell apart".
    auto async = synthetic_spec("async", "/async", model_kind::concurrent, 4);
    async.server.workers = 2;
    auto both = judged(async, prefork_run({2, 2}, 100));
    CHECK(both.stats.processes_overlapped);
    CHECK(both.stats.verdict == model_kind::concurrent);
    for (const auto& m : a.stats.ideals) CHECK(m.model != model_kind::serialized);
}

TEST_CASE("a wall far from every model is placed between them — not called 'about' one") {
    // 4 × 200 ms on 2 processes measured at 609 ms: between 400 (parallel) and 800 (serialized).
    auto spec = synthetic_spec("processes", "/cpu", model_kind::parallel, 4);
    spec.ms = 200;
    spec.lanes = 2;
    auto run = synthetic_run(4, 200, false);
    for (std::size_t i = 0; i < run.requests.size(); ++i) {
        auto& r = run.requests[i];
        r.end_ns = run.t0_ns + (i < 2 ? 300 : 609) * ms_ns;
        r.server = server_fields{42, 42, r.start_ns, r.end_ns};
    }
    auto result = one_arm(judged(spec, run));
    CHECK(result.arms[0].stats.wall_ms == doctest::Approx(609));
    CHECK(says(result.notes, "processes: 609 ms lies between the parallel ideal of 400 ms and the serialized ideal of 800 ms"));
    CHECK_FALSE(says(result.notes, "about 4 × 200 ms"));
    CHECK_FALSE(says(result.notes, "about"));
}

TEST_CASE("'about N × t' is said only within the verdict's tolerance") {
    auto spec = synthetic_spec("blocking", "/blocking", model_kind::serialized);
    auto close = one_arm(judged(spec, synthetic_run(10, 100, true)));
    CHECK(says(close.notes, "about 10 × 100 ms"));
    // 10 × 100 ms that took 1.6 s: nearest is serialized, but 1.6 × is not "about" it.
    auto run = synthetic_run(10, 160, true);
    auto far = one_arm(judged(spec, run));
    CHECK(far.arms[0].stats.verdict == model_kind::serialized);
    CHECK_FALSE(says(far.notes, "about"));
    CHECK(says(far.notes, "even the slowest model's ideal"));
}

TEST_CASE("a run that cannot tell the models apart names no verdict and says why") {
    // One connection: serialized and concurrent both allow N × t.
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent, 3);
    spec.load.concurrency = 1;
    auto alike = one_arm(judged(spec, synthetic_run(3, 100, true)));
    CHECK(alike.arms[0].stats.verdict == model_kind::none);
    CHECK(says(alike.notes, "cannot tell them apart"));
    // t of 3 ms: a request's own costs are of its size.
    auto tiny = synthetic_spec("async", "/async", model_kind::concurrent, 2);
    tiny.ms = 3;
    auto run = synthetic_run(2, 3, false);
    auto blurred = one_arm(judged(tiny, run));
    CHECK(blurred.arms[0].stats.verdict == model_kind::none);
    CHECK(says(blurred.notes, "too short to tell the models apart"));
    CHECK_FALSE(says(blurred.notes, "only one made progress"));
}



TEST_CASE("one worker that served everything in turn is called serialized — and the 4 / 0 split is said") {
    auto result = one_arm(judged(prefork_spec(4, 2), prefork_run({4}, 100)));
    const auto& s = result.arms[0].stats;
    CHECK(s.verdict == model_kind::serialized);
    CHECK(s.ideal_ms == doctest::Approx(400));
    CHECK_FALSE(says(result.notes, "parallel"));
    CHECK(says(result.notes, "serialized — 4 / 0 across 2 workers: the busiest served 4 of the 4 requests, one at a time"));
}

namespace {

// Two requests of t = 10 ms at concurrency 2 whose handlers ran as `together` says, and whose
// client saw its last answer at `wall_ms`.
arm_result two_requests(bool together, double wall_ms) {
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent, 2);
    spec.ms = 10;
    auto run = synthetic_run(2, 10, !together);
    run.requests.back().end_ns = run.t0_ns + static_cast<std::int64_t>(wall_ms * 1e6);
    return judged(spec, run);
}

}  // namespace

TEST_CASE("the server's overlap overrules the wall's nearest model — the report says they disagree") {
    // Handlers overlapped (2.0), but a loaded client saw the last answer at 18 ms, nearer 2 × 10.
    auto result = one_arm(two_requests(true, 18));
    const auto& s = result.arms[0].stats;
    CHECK(s.server_overlap == doctest::Approx(2.0));
    CHECK(s.disputed);
    CHECK(s.verdict == model_kind::none);
    CHECK(s.wall_fits == model_kind::serialized);
    CHECK(std::string(verdict_name(s)) == "disputed");
    CHECK(says(result.notes, "async: disputed — the wall, 18 ms, is nearest the serialized ideal of 20 ms, but the "
                             "server's handlers ran together (server overlap 2.00)"));
    // One after another on the server (1.0), yet a wall near one request's: not concurrent either.
    auto other = two_requests(false, 11);
    CHECK(other.stats.disputed);
    CHECK(other.stats.wall_fits == model_kind::concurrent);
    // Where they agree, the verdict stands.
    CHECK(two_requests(true, 10.5).stats.verdict == model_kind::concurrent);
    CHECK(two_requests(false, 20).stats.verdict == model_kind::serialized);
}

TEST_CASE("handlers stretched by a shared core or lock prove nothing by overlapping — the wall's verdict stands") {
    // Two CPU requests of 10 ms under a GIL: both in flight for 20 ms, one making progress at a time.
    auto spec = synthetic_spec("gil", "/cpu", model_kind::serialized, 2);
    spec.ms = 10;
    auto run = synthetic_run(2, 20, false);
    auto a = judged(spec, run);
    CHECK(a.stats.server_overlap == doctest::Approx(2.0));
    CHECK_FALSE(a.stats.disputed);
    CHECK(a.stats.verdict == model_kind::serialized);
}

TEST_CASE("an arm whose probe failed is not judged — its outcome is partial and says so") {
    auto spec = synthetic_spec("blocking", "/blocking", model_kind::serialized);
    spec.load.probe_route = "/health";
    auto run = synthetic_run(10, 100, true);
    request_record probe;
    probe.start_ns = run.t0_ns + 20 * ms_ns;
    probe.end_ns = probe.start_ns + ms_ns;
    probe.error = error_kind::timeout;
    run.probe = probe;
    auto result = one_arm(judged(spec, run));
    const auto& s = result.arms[0].stats;
    CHECK(s.ok == 10);
    CHECK(s.outcome == run_outcome::partial);
    CHECK(s.verdict == model_kind::none);
    CHECK(says(result.notes, "the probe /health failed (timeout)"));
    // Every table's failed column counts it: `partial` beside `0` would contradict itself.
    CHECK(failures_text(s) == "1 (probe timeout)");
    arm_stats both = s;
    both.errors[failure_index(error_kind::status)] = 2;  // failed requests too: the probe adds to them
    CHECK(failures_text(both) == "3 (2 status, probe timeout)");
    CHECK(std::regex_search(render_many({result}, {}), std::regex("partial +1 \\(probe timeout\\)")));
}

TEST_CASE("an open loop past its kept records keeps the folded requests' corrected latencies") {
    auto spec = synthetic_spec("async", "/async", model_kind::concurrent, 4);
    spec.load.rate = 10;
    auto run = synthetic_run(2, 10, false);
    for (auto& r : run.requests) r.planned_ns = r.start_ns;
    // Two more were folded past the kept records: one waited half a second behind its plan.
    request_record late;
    late.planned_ns = run.t0_ns;
    late.start_ns = run.t0_ns + 490 * ms_ns;
    late.end_ns = run.t0_ns + 500 * ms_ns;
    late.status = 200;
    run.folded.add(late);
    run.folded.add(late);
    const auto s = analyze(spec, run);
    REQUIRE(s.open_loop);
    CHECK(s.corrected_ms.max >= 450);
    CHECK(s.queue_delay_ms.max >= 450);
    CHECK(s.corrected_ms.min <= 11);  // and the kept ones are in it too
}

TEST_SUITE_END();
