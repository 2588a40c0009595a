// The lab's own server on a real PostgreSQL (DESIGN.md §10, issue 31): libpq in the notes' three
// ways — a blocking call on the loop, the same call on the pool, the asynchronous API driven by
// the loop — a pool of K connections whose waits are counted, and the outbound HTTP call to a
// downstream, blocking and awaited. Routes are asked through cpp-httplib, a client independent
// of the lab's; the cluster is the one a scenario's postgres service starts.
#include "process/server_process.hpp"
#include "process/service.hpp"
#include "run_command.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;
using namespace std::chrono_literals;

namespace {

const fs::path repo = fs::path(DOCS_DIR).parent_path();

// One throwaway cluster for the file's cases, started on first use and stopped at exit.
const std::string& database_url() {
    static lab::running_services db({lab::service_spec{"db", "postgres"}}, nullptr,
                                    [](int, const std::string&) { return false; });
    static const std::string url = db.addresses().placeholders.front().second;
    return url;
}

nlohmann::json get_json(httplib::Client& c, const std::string& path, int expect_status) {
    auto res = c.Get(path);
    REQUIRE(res);
    INFO(res->body);
    CHECK(res->status == expect_status);
    return nlohmann::json::parse(res->body);
}

nlohmann::json metrics(httplib::Client& c) { return get_json(c, "/metrics?format=json", 200)["processes"][0]; }

// n GETs of path at once, each on its own connection; the wall from the first sent to the last answered.
double concurrent_wall_ms(int port, const std::string& path, int n, std::vector<nlohmann::json>* bodies = nullptr) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::future<std::string>> answers;
    for (int i = 0; i < n; ++i)
        answers.push_back(std::async(std::launch::async, [port, path] {
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(30, 0);
            auto res = c.Get(path);
            return res && res->status == 200 ? res->body : std::string();
        }));
    for (auto& a : answers) {
        const auto body = a.get();
        REQUIRE(!body.empty());
        if (bodies) bodies->push_back(nlohmann::json::parse(body));
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("libpq three ways: on the loop thread — on a pool thread — asynchronously on the loop") {
    lab::server_process server(LAB_BINARY, {"--database-url", database_url(), "--quiet"});
    httplib::Client c("127.0.0.1", server.port());
    const auto loop_thread = get_json(c, "/health", 200)["thread"];
    for (const char* path : {"/db/blocking?ms=30", "/db/pool?ms=30", "/db/async?ms=30"}) {
        CAPTURE(path);
        auto res = c.Get(path);
        REQUIRE(res);
        // Its states (DESIGN.md §11): on the loop throughout; queued, on a pool thread, ready, resumed;
        // waiting on a connection and the database, resumed.
        const auto states = res->get_header_value("Server-Timing");
        const std::string expected = std::string(path).starts_with("/db/blocking") ? "states;desc=R0.D"
                                     : std::string(path).starts_with("/db/pool")    ? "states;desc=R0.Q"
                                                                                    : "states;desc=R0.W";
        CHECK(states.find(expected) != std::string::npos);
        const auto body = get_json(c, path, 200);
        // The database held the query for its 30 ms, whichever way the server waited.
        CHECK(body["end_ns"].get<long long>() - body["start_ns"].get<long long>() >= 30'000'000);
        CHECK((body["thread"] == loop_thread) == !std::string(path).starts_with("/db/pool"));
        CHECK(body["waited_ms"] == 0);
    }
    // Ten at once: the blocking call serializes them, the pool and the async API overlap them.
    const double blocking = concurrent_wall_ms(server.port(), "/db/blocking?ms=100", 10);
    const double pooled = concurrent_wall_ms(server.port(), "/db/pool?ms=100", 10);
    const double async = concurrent_wall_ms(server.port(), "/db/async?ms=100", 10);
    CHECK(blocking > 4 * async);
    CHECK(blocking > 4 * pooled);
    CHECK(blocking > 900);  // ten queries of 100 ms, one after another
}

TEST_CASE("a pool of 3 connections: 9 queries go in three waves and 6 of them wait — counted in GET /metrics") {
    for (const char* route : {"/db/async", "/db/pool"}) {
        CAPTURE(route);
        lab::server_process server(LAB_BINARY, {"--database-url", database_url(), "--db-pool", "3", "--quiet"});
        httplib::Client c("127.0.0.1", server.port());
        CHECK(metrics(c)["db_pool"]["connections"] == 3);
        std::vector<nlohmann::json> bodies;
        const double wall = concurrent_wall_ms(server.port(), std::string(route) + "?ms=150", 9, &bodies);
        CHECK(wall > 2.5 * 150);  // three waves of 150 ms, not one
        // At most 3 queries ran at any instant: the handlers' spans, swept in start order.
        std::vector<std::pair<long long, int>> edges;
        for (const auto& b : bodies) {
            edges.emplace_back(b["start_ns"].get<long long>(), +1);
            edges.emplace_back(b["end_ns"].get<long long>(), -1);
        }
        std::sort(edges.begin(), edges.end());
        int running = 0, most = 0;
        for (const auto& [at, step] : edges) most = std::max(most, running += step);
        CHECK(most == 3);
        const auto db = metrics(c)["db_pool"];
        CHECK(db["takes"] == 9);
        CHECK(db["waits"] == 6);
        CHECK(db["waited_ms"].get<double>() > 6 * 100);  // three waited a wave, three two waves
        int waited = 0;
        for (const auto& b : bodies) waited += b["waited_ms"].get<double>() > 0;
        CHECK(waited == 6);
    }
}

TEST_CASE("a connection the database dropped is answered 502 with its words — then opened again for the next query") {
    lab::server_process server(LAB_BINARY, {"--database-url", database_url(), "--db-pool", "1", "--quiet"});
    httplib::Client c("127.0.0.1", server.port());
    // The server's one connection is ended by the database while it runs a query.
    auto query = std::async(std::launch::async, [&] {
        httplib::Client mine("127.0.0.1", server.port());
        auto res = mine.Get("/db/async?ms=2000");
        REQUIRE(res);
        return std::make_pair(res->status, res->body);
    });
    std::this_thread::sleep_for(300ms);
    const auto killed = run_binary("/usr/bin/psql", {database_url(), "-Atc",
                                                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                                     "WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()"});
    INFO(killed.err);
    CHECK(killed.out == "1\n");
    const auto [status, body] = query.get();
    CHECK(status == 502);
    CHECK(body.find("database: ") != std::string::npos);
    CHECK(body.find("terminat") != std::string::npos);  // "terminating connection due to administrator command"
    for (const char* path : {"/db/async?ms=10", "/db/blocking?ms=10", "/db/pool?ms=10"}) get_json(c, path, 200);
}

TEST_CASE("a blocking driver on the loop waits a bounded time for a connection a coroutine holds — then 503 and the loop goes on") {
    // One connection, held by an awaited query; the blocking call on the loop would wait for ever
    // for it, since only the loop it blocks could finish that query.
    lab::server_process server(LAB_BINARY, {"--database-url", database_url(), "--db-pool", "1", "--io-timeout-ms", "400", "--quiet"});
    auto held = std::async(std::launch::async, [&] {
        httplib::Client mine("127.0.0.1", server.port());
        auto res = mine.Get("/db/async?ms=1500");
        return res ? res->status : 0;
    });
    std::this_thread::sleep_for(200ms);
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(10, 0);
    const auto t0 = std::chrono::steady_clock::now();
    const auto refused = get_json(c, "/db/blocking?ms=10", 503);
    CHECK(std::chrono::steady_clock::now() - t0 < 1200ms);  // the 400 ms limit, not the 1.5 s query
    CHECK(refused["error"].get<std::string>().find("no database connection came free within 400 ms") != std::string::npos);
    CHECK(held.get() == 200);  // the loop went on: the awaited query finished
    get_json(c, "/health", 200);
    get_json(c, "/db/blocking?ms=10", 200);  // and the connection is free again
}

TEST_CASE("without --database-url the db routes answer 503 — a database it cannot reach is one line and exit 2") {
    lab::server_process server(LAB_BINARY, {"--quiet"});
    httplib::Client c("127.0.0.1", server.port());
    for (const char* path : {"/db/blocking?ms=1", "/db/pool?ms=1", "/db/async?ms=1"})
        CHECK(get_json(c, path, 503)["error"].get<std::string>().find("--database-url") != std::string::npos);
    for (const char* path : {"/http/blocking?ms=1", "/http/pool?ms=1", "/http/async?ms=1"})
        CHECK(get_json(c, path, 503)["error"].get<std::string>().find("--downstream") != std::string::npos);
    CHECK(get_json(c, "/db/async?ms=-1", 400)["error"].get<std::string>().find("ms") != std::string::npos);

    // One process or prefork workers: said once before anything listens, not a worker restarted for ever.
    for (const char* workers : {"0", "2"}) {
        CAPTURE(workers);
        std::vector<std::string> args{"serve", "--port", "0", "--database-url", "postgresql://lab@/postgres?host=/nonexistent"};
        if (std::string(workers) != "0") args.insert(args.end(), {"--workers", workers});
        const auto r = run_lab(args, 20);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("cannot connect to the database") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    for (const char* bad : {"https://127.0.0.1:1", "http://127.0.0.1:1/x?y=1", "ftp://h"}) {
        CAPTURE(bad);
        const auto d = run_lab({"serve", "--port", "0", "--downstream", bad}, 20);
        CHECK(d.exit_code == 2);
        CHECK(d.err.find("--downstream") != std::string::npos);
    }
}

TEST_CASE("a downstream call: blocking on the loop serializes — on the pool and awaited overlap — a dead downstream is 502") {
    lab::server_process downstream(LAB_BINARY, {"--quiet"});
    const std::string base = "http://127.0.0.1:" + std::to_string(downstream.port());
    lab::server_process server(LAB_BINARY, {"--downstream", base, "--quiet"});
    httplib::Client c("127.0.0.1", server.port());
    const auto loop_thread = get_json(c, "/health", 200)["thread"];
    for (const char* path : {"/http/blocking?ms=30", "/http/pool?ms=30", "/http/async?ms=30"}) {
        CAPTURE(path);
        const auto body = get_json(c, path, 200);
        CHECK(body["end_ns"].get<long long>() - body["start_ns"].get<long long>() >= 30'000'000);
        CHECK((body["thread"] == loop_thread) == !std::string(path).starts_with("/http/pool"));
    }
    const double blocking = concurrent_wall_ms(server.port(), "/http/blocking?ms=100", 10);
    const double pooled = concurrent_wall_ms(server.port(), "/http/pool?ms=100", 10);
    const double async = concurrent_wall_ms(server.port(), "/http/async?ms=100", 10);
    CHECK(blocking > 4 * async);
    CHECK(blocking > 4 * pooled);
    // The downstream saw every call, on the route the lab asked for.
    httplib::Client d("127.0.0.1", downstream.port());
    auto text = d.Get("/metrics");
    REQUIRE(text);
    CHECK(text->body.find("route=\"/async\",status=\"200\"} 33") != std::string::npos);

    // A downstream that answers, but not 2xx (no route under this base): 502 with its status.
    lab::server_process wrong_base(LAB_BINARY, {"--downstream", base + "/nope", "--quiet"});
    httplib::Client w("127.0.0.1", wrong_base.port());
    for (const char* path : {"/http/blocking?ms=1", "/http/pool?ms=1", "/http/async?ms=1"})
        CHECK(get_json(w, path, 502)["error"] == "downstream answered 404");

    downstream.stop();
    for (const char* path : {"/http/blocking?ms=1", "/http/pool?ms=1", "/http/async?ms=1"})
        CHECK(get_json(c, path, 502)["error"].get<std::string>().starts_with("downstream: "));
}

TEST_CASE("a scenario of lab arms on a postgres service: the pool's term ⌈N / min(C - threads - K)⌉ · t judges a pool of 3") {
    const auto file = fs::temp_directory_path() / ("lab-db-scenario-" + std::to_string(::getpid()) + ".toml");
    {
        std::ofstream out(file);
        out << "title = \"t\"\nlesson = \"l\"\n[defaults]\nrequests = 9\nconcurrency = 9\nms = 100\n"
               "[[services]]\nname = \"db\"\nkind = \"postgres\"\n"
               "[[arms]]\nname = \"loop\"\nroute = \"/db/blocking\"\n"
               "[[arms]]\nname = \"pool-of-3\"\nroute = \"/db/pool\"\ndb_pool = 3\n"
               "[[arms]]\nname = \"async-of-3\"\nroute = \"/db/async\"\ndb_pool = 3\n"
               "[[arms]]\nname = \"async\"\nroute = \"/db/async\"\n";
    }
    const auto r = run_lab({"scenario", file.string(), "--format", "json"}, 120);
    fs::remove(file);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto arms = nlohmann::json::parse(r.out)["arms"];
    CHECK(arms[0]["verdict"] == "serialized");
    for (int i : {1, 2}) {
        CAPTURE(i);
        CHECK(arms[i]["verdict"] == "pool");
        CHECK(arms[i]["ideal_ms"] == 300);  // ⌈9 / 3⌉ · 100 ms
        CHECK(arms[i]["waves"] == nlohmann::json::array({3, 3, 3}));
        CHECK(arms[i]["db_pool"]["waits"] == 6);
        CHECK(arms[i]["db_pool"]["connections"] == 3);
    }
    CHECK(arms[3]["verdict"] == "concurrent");
    CHECK(arms[3]["db_pool"]["waits"] == 0);
}
