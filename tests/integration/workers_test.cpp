// CPU work, the emulated GIL and prefork workers, on real processes. Ratios only, with
// margins for a loaded 2-core machine; medians of three runs where a core may be busy.
#include "process/process_memory.hpp"
#include "process/server_process.hpp"
#include "run_command.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include "sanitizer.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;

namespace {

nlohmann::json scenario(const std::vector<std::string>& args, std::string* err = nullptr) {
    auto r = run_lab(args, 180);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (err) *err = r.err;
    return nlohmann::json::parse(r.out);
}

std::map<std::string, nlohmann::json> by_name(const nlohmann::json& doc) {
    std::map<std::string, nlohmann::json> arms;
    for (const auto& a : doc["arms"]) arms[a["name"]] = a;
    return arms;
}

}  // namespace

TEST_CASE("/cpu computes the notes' sum where it is told to") {
    lab::server_process p(LAB_BINARY, {});
    httplib::Client c("127.0.0.1", p.port());
    double expected = 0;
    for (int i = 0; i < 1000; ++i) expected += std::sqrt(static_cast<double>(i));
    for (const char* on : {"loop", "pool"}) {
        auto res = c.Get(std::string("/cpu?n=1000&on=") + on);
        REQUIRE(res);
        CHECK(res->status == 200);
        auto body = nlohmann::json::parse(res->body);
        CHECK(body["result"].get<double>() == doctest::Approx(expected));
        CHECK(body["n"] == 1000);
        CHECK(body["on"] == on);
        CHECK(body["cpu_ms"].get<double>() >= 0);
        CHECK((body["thread"] == p.pid()) == (std::string(on) == "loop"));
    }
    auto bad_on = c.Get("/cpu?n=10&on=gpu");
    REQUIRE(bad_on);
    CHECK(bad_on->status == 400);
    auto bad_n = c.Get("/cpu?n=-5");
    REQUIRE(bad_n);
    CHECK(bad_n->status == 400);
    auto crash = c.Get("/crash");  // off unless --test-routes
    REQUIRE(crash);
    CHECK(crash->status == 404);
}

// Parallel CPU work needs two free cores, and this machine's vCPUs are shared with others.
// Like `check`, a ratio that misses is measured again (up to three times in all) before it
// counts: a real regression (the pool running one request at a time) misses every time.
template <class Measure>
auto measure_until(Measure measure) {
    auto result = measure();
    for (int attempt = 1; attempt < 3 && !result.holds(); ++attempt) {
        MESSAGE("ratio missed on attempt ", attempt, "; measuring again");
        result = measure();
    }
    return result;
}

struct cpu_arms {
    std::map<std::string, nlohmann::json> arms;
    double loop = 0, pool = 0, gil = 0, processes = 0;
    bool holds() const { return gil >= 1.5 * pool && loop >= 1.5 * processes && gil >= 0.8 * loop; }
};

TEST_CASE("threads run CPU work in parallel — under the GIL they take turns" * measures() * doctest::test_suite("slow")) {
    auto m = measure_until([] {
        cpu_arms m;
        m.arms = by_name(scenario({"scenario", "cpu-threads-vs-processes", "--ms", "100", "--repeat", "3",
                                   "--format", "json"}));
        m.loop = m.arms["loop"]["wall_ms"];
        m.pool = m.arms["pool"]["wall_ms"];
        m.gil = m.arms["pool-gil"]["wall_ms"];
        m.processes = m.arms["processes"]["wall_ms"];
        return m;
    });
    CAPTURE(m.loop);
    CAPTURE(m.pool);
    CAPTURE(m.gil);
    CAPTURE(m.processes);
    CHECK(m.gil >= 1.5 * m.pool);
    CHECK(m.loop >= 1.5 * m.processes);
    CHECK(m.gil >= 0.8 * m.loop);  // the GIL arm is no faster than the loop
    CHECK(m.arms["pool-gil"]["verdict"] == "serialized");
    CHECK(m.arms["processes"]["per_pid"].size() == m.arms["processes"]["workers"].get<std::size_t>());
    // Under the GIL every request finishes late, all together: the first ends near the last.
    CHECK(m.arms["pool-gil"]["latency_ms"]["min"].get<double>() >=
          0.6 * m.arms["pool-gil"]["latency_ms"]["max"].get<double>());
}

struct gated_split {
    std::vector<int> counts;
    bool holds() const { return counts == std::vector<int>{2, 2}; }
};

TEST_CASE("with the accept gate four simultaneous requests split 2 / 2 over two workers" * measures()) {
    // A shared machine can delay one worker's wakeup past the gate's 2 ms: measured again, like
    // the CPU ratios; a gate that does nothing splits unevenly every time.
    auto m = measure_until([] {
        gated_split m;
        auto arms = by_name(scenario({"scenario", "accept-queue", "--repeat", "1", "--format", "json"}));
        for (const auto& [pid, n] : arms["shared-gated"]["per_pid"].items()) m.counts.push_back(n.get<int>());
        std::sort(m.counts.begin(), m.counts.end());
        return m;
    });
    CHECK(m.counts == std::vector<int>{2, 2});
}

struct worker_arms {
    std::map<std::string, nlohmann::json> arms;
    double one = 0, two = 0;
    bool holds() const { return one >= 1.5 * two; }
};

TEST_CASE("two workers do CPU work at least 1.5 × faster than one" * measures() * doctest::test_suite("slow")) {
    auto m = measure_until([] {
        worker_arms m;
        m.arms = by_name(scenario({"scenario", "workers-scaling", "--requests", "8", "--repeat", "3", "--format",
                                   "json"}));
        m.one = m.arms["workers-1"]["wall_ms"];
        m.two = m.arms["workers-2"]["wall_ms"];
        return m;
    });
    CAPTURE(m.one);
    CAPTURE(m.two);
    CHECK(m.one >= 1.5 * m.two);
    CHECK(m.arms["workers-2"]["memory"].size() == 3);  // supervisor + 2 workers
    CHECK(m.arms["workers-2"]["memory"][0]["supervisor"] == true);
    CHECK(m.arms["workers-2"]["memory"][1]["rss_kb"].get<long long>() > 0);
}

// Not a measurement: it counts requests and reads the supervisor's lines, so it runs under
// ThreadSanitizer too (a worker killed mid-request is where races would show).
TEST_CASE("a killed worker is restarted and the run completes") {
    std::string err;
    auto doc = scenario({"scenario", "worker-crash", "--format", "json"}, &err);
    const auto& arm = doc["arms"][0];
    int ok = arm["ok"], requests = arm["requests"];
    int failed = 0;
    for (const auto& [kind, n] : arm["errors"].items()) failed += n.get<int>();
    CHECK(ok + failed == requests);
    CHECK(arm["errors"]["timeout"] == 0);                    // nothing hung
    CHECK(failed <= arm["concurrency"].get<int>());          // only requests in flight on the victim
    CHECK(err.find("killed by signal 9") != std::string::npos);
    CHECK(err.find("restarted as") != std::string::npos);
}

TEST_CASE("with workers — any worker reports any task — a killed worker's tasks read lost") {
    lab::server_process p(LAB_BINARY, {"--workers", "2", "--reuse-port", "--task-workers", "1"});
    // Every request on a connection of its own: with one socket per worker the kernel spreads
    // connections by their ports, so a task's GET often reaches the other worker.
    auto call = [&](bool post, const std::string& target) {
        httplib::Client c("127.0.0.1", p.port());
        auto res = post ? c.Post(target, "", "text/plain") : c.Get(target);
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == (post ? 202 : 200));
        return nlohmann::json::parse(res->body);
    };
    std::map<long long, long long> owner;  // task id → the worker that took it
    std::set<long long> takers;
    for (int i = 0; i < 40 && (i < 12 || takers.size() < 2); ++i) {  // 12, or more until both took some
        auto t = call(true, "/tasks?ms=1");
        owner[t["task_id"]] = t["pid"];
        takers.insert(t["pid"].get<long long>());
    }
    REQUIRE(takers.size() == 2);  // both workers took some
    for (const auto& [id, pid] : owner) {
        nlohmann::json t;
        for (int i = 0; i < 100 && (t = call(false, "/tasks/" + std::to_string(id)))["status"] != "done"; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(t["status"] == "done");
        CHECK(t["pid"] == pid);  // where the job ran, whichever worker answered
    }

    auto doomed = call(true, "/tasks?ms=60000");
    ::kill(static_cast<pid_t>(doomed["pid"].get<long long>()), SIGKILL);
    nlohmann::json t;
    for (int i = 0; i < 200 && (t = call(false, "/tasks/" + std::to_string(doomed["task_id"].get<long long>())))["status"] != "lost"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(t["status"] == "lost");
}

TEST_CASE("SIGTERM to the supervisor leaves no worker behind") {
    lab::server_process p(LAB_BINARY, {"--workers", "2"});
    auto tree = lab::memory_of_tree(p.pid());
    REQUIRE(tree.size() == 3);
    p.stop();
    for (const auto& m : tree) CHECK(::kill(static_cast<pid_t>(m.pid), 0) == -1);
}

TEST_CASE("SIGKILL to the supervisor takes its workers down too") {
    lab::server_process p(LAB_BINARY, {"--workers", "2"});
    auto tree = lab::memory_of_tree(p.pid());
    REQUIRE(tree.size() == 3);
    ::kill(p.pid(), SIGKILL);
    p.stop();  // reaps the supervisor
    bool all_gone = false;
    for (int i = 0; i < 200 && !all_gone; ++i) {
        all_gone = true;
        for (std::size_t w = 1; w < tree.size(); ++w) all_gone &= ::kill(static_cast<pid_t>(tree[w].pid), 0) == -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(all_gone);
}

TEST_SUITE_END();
