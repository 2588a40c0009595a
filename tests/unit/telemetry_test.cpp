// What a server measures of itself: the metrics board its workers share, its JSON as the runner
// reads it, the GIL's holds, and how the reports draw them (table, timeline, trace).
#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "load/telemetry_reader.hpp"
#include "model/clock.hpp"
#include "report/report.hpp"
#include "report/timeline.hpp"
#include "server/metrics_board.hpp"
#include "synthetic.hpp"
#include "workload/cpu_work.hpp"
#include "workload/gil.hpp"

#include <doctest/doctest.h>
#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

using namespace lab;
using lab::test::ms_ns;

TEST_SUITE("unit") {

TEST_CASE("the metrics board turns late ticks into lag figures — and the runner reads them back") {
    metrics_board board(1);
    auto meter = board.claim(0, 4242, 1000, 40);
    const std::int64_t t = 5'000 * ms_ns;
    for (int i = 0; i < 200; ++i) meter.loop_tick(t + i * ms_ns, t + i * ms_ns + 20'000);  // 20 µs late
    meter.loop_tick(t + 300 * ms_ns, t + 400 * ms_ns);                                      // frozen 100 ms
    meter.loop_tick(t + 500 * ms_ns, t + 502 * ms_ns);                                      // 2 ms: late, no stall
    meter.request(route_id::blocking, 200);
    meter.request(route_id::unknown, 404);
    auto read = read_telemetry(board.json());
    REQUIRE(read);
    REQUIRE(read->loops.size() == 1);
    const auto& lag = read->loops[0];
    CHECK(lag.pid == 4242);
    CHECK(lag.ticks == 202);
    CHECK(lag.max_ms == doctest::Approx(100));
    CHECK(lag.stalls == 1);
    CHECK(lag.stalled_ms == doctest::Approx(100));
    // The server's own quantile, which the runner does not read: straight from its document.
    const double p50 = nlohmann::json::parse(board.json())["processes"][0]["loop_lag"]["p50_ms"];
    CHECK(p50 < 0.03);  // the 20 µs ticks, within a bin (6 %)
    CHECK(p50 > 0.018);
    REQUIRE(lag.late.size() == 2);  // the 100 ms and the 2 ms tick
    CHECK(lag.late[0] == std::pair<std::int64_t, std::int64_t>{t + 300 * ms_ns, t + 400 * ms_ns});

    const auto text = board.prometheus_text();
    CHECK(text.find("# TYPE lab_loop_lag_seconds histogram") != std::string::npos);
    CHECK(text.find("lab_loop_lag_seconds_bucket{pid=\"4242\",le=\"+Inf\"} 202") != std::string::npos);
    CHECK(text.find("lab_loop_lag_seconds_bucket{pid=\"4242\",le=\"0.05\"} 201") != std::string::npos);
    CHECK(text.find("lab_loop_stalls_total{pid=\"4242\"} 1") != std::string::npos);
    CHECK(text.find("lab_requests_total{pid=\"4242\",route=\"/blocking\",status=\"200\"} 1") != std::string::npos);
    CHECK(text.find("lab_requests_total{pid=\"4242\",route=\"unknown\",status=\"404\"} 1") != std::string::npos);
}

TEST_CASE("a slot taken over by a replacement worker starts from zero — its rings included") {
    metrics_board board(2);
    auto first = board.claim(1, 100, 1000, 4);
    first.loop_tick(0, 50 * ms_ns);
    first.gil_hold(7, 1, 2, 3);
    auto second = board.claim(1, 101, 1000, 4);  // the worker in slot 1 died and was replaced
    second.loop_tick(10, 20);
    auto read = read_telemetry(board.json());
    REQUIRE(read);
    REQUIRE(read->loops.size() == 1);  // slot 0 was never claimed
    CHECK(read->loops[0].pid == 101);
    CHECK(read->loops[0].stalls == 0);
    CHECK(read->loops[0].late.empty());
    CHECK(read->gil.empty());
}

TEST_CASE("the database pool's takes and waits reach the runner — every process's added") {
    metrics_board board(3);
    auto a = board.claim(0, 100, 1000, 40);
    auto b = board.claim(1, 101, 1000, 40);
    board.claim(2, 102, 1000, 40);  // a process with no database: no pool to add
    a.db_connections(3);
    b.db_connections(3);
    a.db_take(0);
    a.db_take(150 * ms_ns);
    b.db_take(50 * ms_ns);
    auto read = read_telemetry(board.json());
    REQUIRE(read);
    REQUIRE(read->db_pool);
    CHECK(read->db_pool->connections == 6);
    CHECK(read->db_pool->takes == 3);
    CHECK(read->db_pool->waits == 2);
    CHECK(read->db_pool->waited_ms == doctest::Approx(200));
    const auto text = board.prometheus_text();
    CHECK(text.find("lab_db_pool_waits_total{pid=\"100\"} 1") != std::string::npos);
    CHECK(text.find("lab_db_pool_connections{pid=\"101\"} 3") != std::string::npos);
    CHECK(text.find("lab_db_pool_wait_seconds_total{pid=\"100\"} 0.15") != std::string::npos);
    metrics_board none(1);
    none.claim(0, 7, 1000, 40);
    CHECK_FALSE(read_telemetry(none.json())->db_pool);
}

TEST_CASE("the telemetry reader takes only the server's document") {
    CHECK_FALSE(read_telemetry(""));
    CHECK_FALSE(read_telemetry("[]"));
    CHECK_FALSE(read_telemetry("{\"processes\":[{\"pid\":\"x\"}]}"));
    CHECK_FALSE(read_telemetry("{\"processes\":[{\"pid\":1,\"loop_lag\":{}}]}"));
    CHECK_FALSE(read_telemetry("{\"processes\":1}"));
    auto empty = read_telemetry("{\"processes\":[]}");
    REQUIRE(empty);
    CHECK(empty->loops.empty());
}

TEST_CASE("the fuzz seed of GET /metrics?format=json is a real server's answer — and reads back") {
    std::ifstream in(std::string(FUZZ_DIR) + "/corpus/response/metrics-json", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto body_at = bytes.find("\r\n\r\n");
    REQUIRE(body_at != std::string::npos);
    auto read = read_telemetry(std::string_view(bytes).substr(body_at + 4));
    REQUIRE(read);
    REQUIRE(read->loops.size() == 1);
    CHECK(read->loops[0].ticks > 0);
    CHECK(read->gil.size() >= 2);
}

TEST_CASE("GIL holds never overlap across threads — and each thread's wait is its own") {
    std::mutex m;
    std::vector<gil_hold> holds;
    gil lock(std::chrono::milliseconds(1), [&](std::int64_t thread, std::int64_t want, std::int64_t got, std::int64_t end) {
        std::lock_guard g(m);
        holds.push_back({1, thread, want, got, end});
    });
    // 30 ms of work each: a calibration run while another process held the cores can make it a
    // third of that (a CI run beside a build saw 3 holds), still several 1 ms holds per thread.
    const auto n = calibrate_cpu(30).n;
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < 3; ++i) threads.emplace_back([&] { sum_of_roots(n, &lock); });
    }
    REQUIRE(holds.size() >= 6);  // three threads of 30 ms, handed over every 1 ms
    std::sort(holds.begin(), holds.end(), [](const auto& a, const auto& b) { return a.got_ns < b.got_ns; });
    std::set<std::int64_t> threads;
    for (std::size_t i = 0; i < holds.size(); ++i) {
        threads.insert(holds[i].thread);
        CHECK(holds[i].want_ns <= holds[i].got_ns);
        CHECK(holds[i].got_ns <= holds[i].end_ns);
        if (i > 0) CHECK(holds[i - 1].end_ns <= holds[i].got_ns);
    }
    CHECK(threads.size() == 3);

    server_telemetry t;
    t.gil = holds;
    arm_stats stats;
    // The window holds every hold whole: sorted by got_ns, the first hold is not always the first to ask.
    const auto first_want = std::min_element(holds.begin(), holds.end(), [](const auto& a, const auto& b) {
                                return a.want_ns < b.want_ns;
                            })->want_ns;
    add_server_measures(t, stats, first_want, holds.back().end_ns, true);
    REQUIRE(stats.gil_threads.size() == 3);
    // Each thread's figures are its own holds' sums: held from got to end, waited from want to
    // got. (How long the work took depends on how busy the machine was while it ran, so the
    // sums are checked against the holds, not against the calibration's 10 ms.)
    double waited = 0;
    for (const auto& g : stats.gil_threads) {
        double held_ms = 0, waited_ms = 0;
        for (const auto& h : holds)
            if (h.thread == g.thread) {
                held_ms += static_cast<double>(h.end_ns - h.got_ns) / 1e6;
                waited_ms += static_cast<double>(h.got_ns - h.want_ns) / 1e6;
            }
        CHECK(g.held_ms == doctest::Approx(held_ms).epsilon(1e-9));
        CHECK(g.waited_ms == doctest::Approx(waited_ms).epsilon(1e-9));
        CHECK(g.held_ms > 0);  // each did its work under the lock
        waited += g.waited_ms;
    }
    CHECK(waited > 0);  // three threads, one lock: someone waited
}

namespace {

// The demo scenario, as if its servers had said what their loops did: the blocking arm's loop
// frozen once per request, the async arm's never late.
scenario_result with_telemetry() {
    auto r = lab::test::synthetic_result();
    for (auto& a : r.arms) {
        server_telemetry t;
        loop_lag lag;
        lag.pid = 42;
        lag.interval_ms = 1;
        lag.ticks = 100;
        const bool blocked = a.spec.name == "blocking";
        if (blocked)
            for (const auto& req : a.run.requests) lag.late.emplace_back(req.server->start_ns, req.server->end_ns);
        lag.stalls = blocked ? 10 : 0;
        lag.stalled_ms = blocked ? 1000 : 0;
        lag.max_ms = blocked ? 100 : 0.2;
        lag.p99_ms = blocked ? 100 : 0.1;
        t.loops.push_back(lag);
        a.telemetry = t;
        add_server_measures(t, a.stats, a.run.t0_ns, measured_until(a), true);
    }
    r.notes = findings(r);
    return r;
}

}  // namespace

TEST_CASE("the report says what the loop monitor saw — table — finding — timeline lane") {
    const auto r = with_telemetry();
    const auto table = render_table(r, true);
    CHECK(table.find("inside the server") != std::string::npos);
    CHECK(table.find("1.000 s (100 % of wall)") != std::string::npos);
    REQUIRE(!r.notes.empty());
    CHECK(r.notes[0].find("blocking was frozen 10 times, for about 100 ms each") != std::string::npos);
    CHECK(r.notes[0].find("async was never late by more than 0.2 ms") != std::string::npos);
    CHECK(table.find("pid 42 lag") != std::string::npos);
    CHECK(table.find("▓ loop frozen") != std::string::npos);
    auto doc = nlohmann::json::parse(render_json(r));
    CHECK(doc["arms"][0]["loop_lag_ms"]["stalls_over_10ms"] == 10);
    CHECK(doc["arms"][1]["loop_lag_ms"]["max"] == 0.2);
    // Without the monitor's figures nothing of it is printed.
    const auto plain = render_table(lab::test::synthetic_result(), true);
    CHECK(plain.find("inside the server") == std::string::npos);
    CHECK(plain.find("pid 42 lag") == std::string::npos);
}

TEST_CASE("a trace pairs every b with its e — ids unique — every flow ends on a slice") {
    auto r = with_telemetry();
    auto& gil_arm = r.arms[0];
    gil_arm.telemetry->gil = {{42, 7, 1'000 * ms_ns, 1'000 * ms_ns, 1'005 * ms_ns},
                              {42, 8, 1'000 * ms_ns, 1'005 * ms_ns, 1'010 * ms_ns}};
    const auto doc = nlohmann::json::parse(render_trace({r}));
    std::map<std::pair<std::string, std::string>, int> open;  // (cat, id) → b minus e
    std::set<std::string> begun;
    std::map<std::string, nlohmann::json> flow_start;
    std::vector<nlohmann::json> slices, flow_ends;
    std::set<std::pair<long long, long long>> named;
    int async_requests = 0, gil_slices = 0, lag_slices = 0;
    for (const auto& e : doc["traceEvents"]) {
        const std::string ph = e["ph"];
        if (ph == "M" && e["name"] == "thread_name") named.emplace(e["pid"].get<long long>(), e["tid"].get<long long>());
        if (ph == "b") {
            const std::string id = e["id"];
            CHECK(begun.insert(id).second);  // every async slice has an id of its own
            open[{e["cat"].get<std::string>(), id}]++;
            if (e["cat"] == "request") async_requests++;
        }
        if (ph == "e") CHECK(--open[{e["cat"].get<std::string>(), e["id"].get<std::string>()}] == 0);
        if (ph == "X") {
            slices.push_back(e);
            if (e["cat"] == "gil") gil_slices++;
            if (e["cat"] == "lag") lag_slices++;
        }
        if (ph == "s") CHECK(flow_start.emplace(e["id"].get<std::string>(), e).second);
        if (ph == "f") flow_ends.push_back(e);
        if (ph != "M") CHECK(e["ts"].get<double>() >= 0);
    }
    for (const auto& [key, n] : open) CHECK(n == 0);
    CHECK(async_requests == 20);
    CHECK(gil_slices == 2);
    CHECK(lag_slices == 10);
    REQUIRE(flow_ends.size() == 20);
    // A flow's ends lie on slices of the thread tracks they name, and each thread track is named.
    auto on_a_slice = [&](const nlohmann::json& f) {
        for (const auto& x : slices)
            if (x["pid"] == f["pid"] && x["tid"] == f["tid"] && x["ts"].get<double>() <= f["ts"].get<double>() &&
                f["ts"].get<double>() <= x["ts"].get<double>() + x["dur"].get<double>())
                return true;
        return false;
    };
    for (const auto& f : flow_ends) {
        const std::string id = f["id"];
        REQUIRE(flow_start.contains(id));
        const auto& s = flow_start[id];
        CHECK(on_a_slice(s));
        CHECK(on_a_slice(f));
        CHECK(s["ts"].get<double>() <= f["ts"].get<double>());
        CHECK(named.contains({f["pid"].get<long long>(), f["tid"].get<long long>()}));
    }
    CHECK(doc["otherData"]["requests_left_out"] == 0);
    // Handlers that overlapped on one thread (the coroutines of the async arm) are async slices:
    // as complete slices they would be drawn nested, like a call stack. A handler's complete
    // slices on one track never overlap (the one-nanosecond "handler starts" marks aside).
    std::map<std::pair<long long, long long>, std::vector<std::pair<double, double>>> handler_slices;
    for (const auto& x : slices)
        if (x["cat"] == "handler" && x["name"] != "handler starts")
            handler_slices[{x["pid"].get<long long>(), x["tid"].get<long long>()}].emplace_back(
                x["ts"].get<double>(), x["ts"].get<double>() + x["dur"].get<double>());
    for (auto& [track, spans] : handler_slices) {
        std::sort(spans.begin(), spans.end());
        for (std::size_t i = 1; i < spans.size(); ++i) CHECK(spans[i - 1].second <= spans[i].first);
    }
    // A bounded trace says what it left out.
    const auto bounded = nlohmann::json::parse(render_trace({r}, 4));
    CHECK(bounded["otherData"]["requests_left_out"] == 12);
}

TEST_CASE("the GIL lane draws who held the lock when") {
    auto r = lab::test::synthetic_result();
    auto& a = r.arms[0];
    server_telemetry t;
    const std::int64_t t0 = a.run.t0_ns;
    t.gil = {{42, 7, t0, t0, t0 + 500 * ms_ns}, {42, 8, t0, t0 + 500 * ms_ns, t0 + 1000 * ms_ns}};
    a.telemetry = t;
    add_server_measures(t, a.stats, a.run.t0_ns, measured_until(a), true);
    const auto text = render_timeline(a);
    CHECK(text.find("GIL t7") != std::string::npos);
    CHECK(text.find("GIL t8") != std::string::npos);
    CHECK(text.find("GIL: ░ waiting  █ holding") != std::string::npos);
    const auto table = render_table(r);
    CHECK(table.find("waited for the GIL") != std::string::npos);
    CHECK(table.find("0 % / 50 %") != std::string::npos);  // t7 never waited; t8 waited half its time
}

TEST_CASE("a server with a history lends the run none of it — stalls and holds outside the window are cut") {
    auto r = lab::test::synthetic_result();
    auto& a = r.arms[1];  // async: 10 × 100 ms at once, from t0
    const std::int64_t t0 = a.run.t0_ns;
    server_telemetry t;
    loop_lag lag{.pid = 42, .interval_ms = 1, .ticks = 5000, .max_ms = 300, .p99_ms = 300};  // its life's worst, seconds before this run
    lag.late = {{t0 - 2'000 * ms_ns, t0 - 1'700 * ms_ns}, {t0 - 5 * ms_ns, t0 + 3 * ms_ns}};
    t.loops.push_back(lag);
    t.gil = {{42, 7, t0 - 900 * ms_ns, t0 - 900 * ms_ns, t0 - 800 * ms_ns}};
    a.telemetry = t;
    add_server_measures(*a.telemetry, a.stats, t0, measured_until(a), false);
    REQUIRE(a.stats.loop_lag);
    CHECK(a.stats.loop_lag->max_ms == doctest::Approx(3));  // the part of the late tick inside the run
    CHECK(a.stats.loop_lag->stalls == 0);
    CHECK_FALSE(a.stats.loop_lag->p99_ms);  // the histogram is the server's life: not this run's
    CHECK(a.stats.gil_threads.empty());
    REQUIRE(a.telemetry->loops[0].late.size() == 1);
    CHECK(a.telemetry->loops[0].late[0].first == t0);
    const auto trace = nlohmann::json::parse(render_trace({r}));
    for (const auto& e : trace["traceEvents"])
        if (e.contains("ts")) CHECK(e["ts"].get<double>() >= 0);

    // No late tick at all in the window, a late life: the max is a bound, said as one.
    a.telemetry = t;
    a.telemetry->loops[0].late.clear();
    add_server_measures(*a.telemetry, a.stats, t0, measured_until(a), false);
    REQUIRE(a.stats.loop_lag);
    CHECK(a.stats.loop_lag->max_is_bound);
    r.notes = findings(r);
    CHECK(r.notes[0].find("async was never late by 1 ms or more") != std::string::npos);

    // A tick that cannot fall due twice in the run says nothing.
    a.telemetry = t;
    a.telemetry->loops[0].interval_ms = 1000;
    add_server_measures(*a.telemetry, a.stats, t0, measured_until(a), false);
    CHECK_FALSE(a.stats.loop_lag);
}

TEST_CASE("past the server's kept late ticks — a fresh server's counts stand — a load says at least") {
    auto r = lab::test::synthetic_result();
    auto& a = r.arms[0];
    const std::int64_t t0 = a.run.t0_ns;
    server_telemetry t;
    loop_lag lag{.pid = 42, .interval_ms = 1, .ticks = 100};
    lag.late = {{t0, t0 + 20 * ms_ns}};  // the one whose times were kept
    lag.late_dropped = 9;
    lag.stalls = 10;
    lag.stalled_ms = 900;
    lag.max_ms = 150;
    t.loops.push_back(lag);
    auto fresh = t;
    add_server_measures(fresh, a.stats, t0, measured_until(a), true);
    REQUIRE(a.stats.loop_lag);
    CHECK(a.stats.loop_lag->stalls == 10);
    CHECK(a.stats.loop_lag->max_ms == doctest::Approx(150));
    CHECK_FALSE(a.stats.loop_lag->at_least);
    add_server_measures(t, a.stats, t0, measured_until(a), false);
    REQUIRE(a.stats.loop_lag);
    CHECK(a.stats.loop_lag->stalls == 1);
    CHECK(a.stats.loop_lag->at_least);
    r.notes = findings(r);
    CHECK(r.notes[0].find("blocking was frozen once, for 20 ms (at least") != std::string::npos);
}

TEST_CASE("the options finding names no winner the run cannot tell apart") {
    auto r = lab::test::synthetic_result();  // blocking 1 s, async 100 ms
    auto queue = r.arms[1];
    queue.spec.name = "queue";
    queue.spec.route = route_id::tasks;
    queue.jobs.assign(10, server_fields{42, 43, queue.run.t0_ns, queue.run.t0_ns + 1'000 * ms_ns});  // done at 1 s
    r.arms.push_back(queue);
    const auto note = findings(r).back();
    INFO(note);
    CHECK(note.find("answered soonest: async and queue alike") != std::string::npos);
    CHECK(note.find("every result soonest: async (100 ms)") != std::string::npos);
}


TEST_CASE("a probe's stalls are clipped to the window — merged by place — and reported where and what") {
    server_telemetry t;
    t.blocked_threshold_ms = 5;
    t.blocked_at = {{"/srv/app.py", 27, "fetch_order", "time.sleep(0.05)", "", true},
                    {"/srv/app.py", 40, "report", "requests.get(url)", "requests.api.get", true}};
    const std::int64_t ms = 1'000'000;
    t.blocked = {{1, 100 * ms, 150 * ms, 0}, {2, 200 * ms, 250 * ms, 0},  // two workers, one place
                 {1, 300 * ms, 310 * ms, 1},
                 {1, 400 * ms, 407 * ms, -1},   // ended before it was sampled
                 {1, 10 * ms, 60 * ms, 0}};     // before the window: not this run's
    arm_stats stats;
    add_server_measures(t, stats, 90 * ms, 1000 * ms, true);
    REQUIRE(stats.blocked.size() == 3);
    CHECK(stats.blocked[0].where.line == 27);
    CHECK(stats.blocked[0].stalls == 2);
    CHECK(stats.blocked[0].ms == doctest::Approx(100));
    CHECK(stats.blocked[1].where.call == "requests.api.get");
    CHECK(stats.blocked[2].where.file.empty());
    CHECK(top_blocked(stats) == "the loop was blocked 2 times (100 ms) at app.py:27 in fetch_order: time.sleep(0.05)");
    CHECK(blocked_code(stats.blocked[1]) == "requests.get(url) → requests.api.get");

    auto r = lab::test::synthetic_result();
    r.arms[1].stats.blocked = stats.blocked;
    r.arms[1].stats.blocked_threshold_ms = 5;
    r.notes = findings(r);
    const auto table = render_table(r);
    CHECK(table.find("what blocked the loop") != std::string::npos);
    CHECK(table.find("app.py:27 in fetch_order") != std::string::npos);
    CHECK(table.find("(ended before it was sampled)") != std::string::npos);
    bool said = false;
    for (const auto& n : r.notes) said |= n == "async: the loop was blocked 2 times (100 ms) at app.py:27 in fetch_order: "
                                                "time.sleep(0.05) (3 places in all: the table above).";
    CHECK(said);
    const auto doc = nlohmann::json::parse(render_json(r));
    CHECK(doc["arms"][1]["blocked"]["places"].size() == 3);
    CHECK(doc["arms"][1]["blocked"]["places"][2]["file"].is_null());
    CHECK_FALSE(doc["arms"][0].contains("blocked"));  // no probe watched it
    // Only unsampled stalls: said without a place.
    arm_stats unseen;
    unseen.blocked = {stats.blocked[2]};
    CHECK(top_blocked(unseen) == "the loop was blocked once (7 ms), ending before the watchdog could see where");
}
}  // TEST_SUITE
