// Route behaviour through cpp-httplib's client: an HTTP implementation independent of
// Beast, so a bug shared by the lab's server and the lab's client cannot hide.
#include "process/server_process.hpp"
#include "raw_socket.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

namespace {

struct lab_server {
    lab::server_process process{LAB_BINARY, {"--pool-threads", "4"}};
    httplib::Client client{"127.0.0.1", process.port()};
};

nlohmann::json get_json(httplib::Client& c, const char* path, int expect_status) {
    auto res = c.Get(path);
    REQUIRE(res);
    CHECK(res->status == expect_status);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    return nlohmann::json::parse(res->body);
}

}  // namespace

TEST_CASE("routes report where and when their handler ran") {
    lab_server s;
    auto health = get_json(s.client, "/health", 200);
    CHECK(health["route"] == "/health");
    CHECK(health["pid"] == s.process.pid());
    const auto loop_thread = health["thread"].get<long long>();
    // The same route through the parsing path (a query it ignores): the same answer.
    auto parsed = get_json(s.client, "/health?from=test", 200);
    CHECK(parsed["route"] == "/health");
    CHECK(parsed["status"] == "ok");
    CHECK(parsed["thread"] == loop_thread);
    CHECK(parsed["start_ns"].get<long long>() >= health["end_ns"].get<long long>());

    for (const char* path : {"/blocking?ms=20", "/async?ms=20", "/pool?ms=20"}) {
        CAPTURE(path);
        auto body = get_json(s.client, path, 200);
        CHECK(body["pid"] == s.process.pid());
        CHECK(body["ms"] == 20);
        auto handler_ns = body["end_ns"].get<long long>() - body["start_ns"].get<long long>();
        CHECK(handler_ns >= 20'000'000);
        bool pool = std::string(path).starts_with("/pool");
        // /blocking and /async run on the loop thread; /pool's body runs on a pool thread
        CHECK((body["thread"].get<long long>() == loop_thread) == !pool);
    }
}

TEST_CASE("bad input gets 4xx JSON and the server keeps serving") {
    lab_server s;
    CHECK(get_json(s.client, "/nope", 404)["error"] == "no route /nope");
    CHECK(get_json(s.client, "/async?ms=-1", 400)["error"] == "bad ms='-1': ms must be an integer from 0 to 60000");
    CHECK(get_json(s.client, "/blocking?ms=abc", 400)["error"] ==
          "bad ms='abc': ms must be an integer from 0 to 60000");
    CHECK(get_json(s.client, "/pool?ms=60001", 400)["error"] ==
          "bad ms='60001': ms must be an integer from 0 to 60000");
    CHECK(get_json(s.client, "/async", 400)["error"] == "missing ms: ms must be an integer from 0 to 60000");
    auto post = s.client.Post("/async?ms=1", "", "text/plain");
    REQUIRE(post);
    CHECK(post->status == 405);
    CHECK(nlohmann::json::parse(post->body)["error"] == "only GET and HEAD are served (and POST /tasks)");
    CHECK(get_json(s.client, "/health", 200)["status"] == "ok");
}

TEST_CASE("a malformed request line gets 400 — the next connection gets 200") {
    lab_server s;
    auto reply = lab::test::exchange(s.process.port(), "GARBAGE\r\n\r\n");
    CHECK(reply.starts_with("HTTP/1.1 400"));
    reply = lab::test::exchange(s.process.port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(reply.starts_with("HTTP/1.1 200"));
}

TEST_CASE("an oversized header gets 431") {
    lab_server s;
    auto reply = lab::test::exchange(s.process.port(),
                              "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10'000, 'a') + "\r\n\r\n");
    CHECK(reply.starts_with("HTTP/1.1 431"));
}

TEST_CASE("keep-alive: one connection serves many requests") {
    lab_server s;
    s.client.set_keep_alive(true);
    for (int i = 0; i < 5; ++i) CHECK(get_json(s.client, "/async?ms=0", 200)["route"] == "/async");
}

TEST_CASE("the server stops on SIGTERM and is reaped") {
    lab::server_process p(LAB_BINARY, {});
    p.stop();
    // It ended by itself, exit status 0 within the grace period: not by the SIGKILL that
    // stop() sends a server that ignored SIGTERM.
    CHECK(p.ended_cleanly());
    CHECK(p.end_description() == "exited with status 0");
}

TEST_CASE("POST /tasks answers at once — GET /tasks/{id} follows the job — a full queue says 503") {
    lab::server_process p(LAB_BINARY, {"--task-workers", "1", "--task-queue", "2"});
    httplib::Client c("127.0.0.1", p.port());
    auto post = [&](const char* target) {
        auto res = c.Post(target, "", "text/plain");
        REQUIRE(res);
        return std::make_pair(res->status, nlohmann::json::parse(res->body));
    };
    auto status_of = [&](long long task) {
        auto res = c.Get(("/tasks/" + std::to_string(task)).c_str());
        REQUIRE(res);
        return nlohmann::json::parse(res->body);
    };
    // A job long enough that it is still running when the checks below have been made.
    constexpr long long first_ms = 1000;
    auto [status, first] = post("/tasks?ms=1000");
    CHECK(status == 202);
    CHECK(first["status"] == "queued");
    const auto id = first["task_id"].get<long long>();
    // The worker takes the first job: waited for as an event, not a sleep.
    for (int i = 0; i < 500 && status_of(id)["status"] != "running"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(status_of(id)["status"] == "running");
    CHECK(post("/tasks?ms=300").first == 202);
    CHECK(post("/tasks?n=1000").first == 202);
    auto [full, why] = post("/tasks?ms=300");  // one running, two waiting: the queue is full
    CHECK(full == 503);
    CHECK(why["error"] == "task queue full; try again later");
    CHECK(post("/tasks?ms=-1").first == 400);

    CHECK(status_of(id)["status"] == "running");
    nlohmann::json done;
    for (int i = 0; i < 1000 && (done = status_of(id))["status"] != "done"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(done["status"] == "done");
    CHECK(done["end_ns"].get<long long>() - done["start_ns"].get<long long>() >= first_ms * 1'000'000);
    CHECK(done["thread"] != p.pid());  // a background thread, not the loop
    auto missing = c.Get("/tasks/999999");
    REQUIRE(missing);
    CHECK(missing->status == 404);
}

TEST_SUITE_END();
