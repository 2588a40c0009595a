// HTTP at its edges, on both sides of the wire (issue 19): what the server answers to requests
// a careless or old client sends, and what the load client makes of responses a foreign server
// sends. Raw sockets and canned servers, so neither side is tested through itself.
#include "canned_server.hpp"
#include "process/server_process.hpp"
#include "raw_socket.hpp"
#include "run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <string>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using namespace lab::test;

namespace {

struct lab_server {
    lab::server_process server{LAB_BINARY, {}};
    int port() const { return server.port(); }
};

std::string first_line(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

std::string body_of(const std::string& reply) { return reply.substr(reply.find("\r\n\r\n") + 4); }

nlohmann::json load(const std::vector<std::string>& args, int expect_exit) {
    std::vector<std::string> all{"load"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--format", "json"});
    auto r = run_lab(all, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == expect_exit);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("the server wants a Host from HTTP/1.1 — not from HTTP/1.0") {
    lab_server s;
    CHECK(first_line(exchange(s.port(), "GET /health HTTP/1.1\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
    CHECK(first_line(exchange(s.port(), "GET /health HTTP/1.0\r\n\r\n")) == "HTTP/1.0 200 OK");
}

TEST_CASE("405 says which method the route takes") {
    lab_server s;
    auto post = exchange(s.port(), "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    CHECK(first_line(post) == "HTTP/1.1 405 Method Not Allowed");
    CHECK(post.find("\r\nAllow: GET, HEAD\r\n") != std::string::npos);
    auto get = exchange(s.port(), "GET /tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(first_line(get) == "HTTP/1.1 405 Method Not Allowed");
    CHECK(get.find("\r\nAllow: POST\r\n") != std::string::npos);
}

// RFC 9110 §9.3.2: HEAD is GET without the body. A body after a HEAD's head would be read as
// the next response's start by a client that keeps the connection.
TEST_CASE("HEAD is answered with GET's head and no body — the next request on the connection is read whole") {
    lab_server s;
    auto both = exchange(s.port(), "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(first_line(both) == "HTTP/1.1 200 OK");
    const auto second = both.find("\r\n\r\nHTTP/1.1 200 OK\r\n");
    REQUIRE(second != std::string::npos);  // the GET's answer follows the HEAD's head at once
    CHECK(both.substr(0, second).find("Content-Length: ") != std::string::npos);
    CHECK(nlohmann::json::parse(body_of(both.substr(second + 4)))["status"] == "ok");
    auto refused = exchange(s.port(), "HEAD /tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(first_line(refused) == "HTTP/1.1 405 Method Not Allowed");
    CHECK(refused.ends_with("\r\n\r\n"));  // the 405's head alone
}

// A path no route has is not found, whatever the method: no Allow names a method that would not work.
TEST_CASE("an unknown path is 404 for every method") {
    lab_server s;
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
        auto reply = exchange(s.port(), std::string(method) + " /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                                              "Connection: close\r\n\r\n");
        CHECK_MESSAGE(first_line(reply) == "HTTP/1.1 404 Not Found", method);
    }
    auto crash = exchange(s.port(), "POST /crash HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    CHECK(first_line(crash) == "HTTP/1.1 404 Not Found");  // no --test-routes: no such route
}

TEST_CASE("an absolute-form target is served like its path") {
    lab_server s;
    auto reply = exchange(s.port(), "GET http://127.0.0.1/async?ms=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(first_line(reply) == "HTTP/1.1 200 OK");
    CHECK(nlohmann::json::parse(body_of(reply))["route"] == "/async");
}

TEST_CASE("a target too long is 414 — header fields too large are 431") {
    lab_server s;
    CHECK(first_line(exchange(s.port(), "GET /" + std::string(10'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n")) ==
          "HTTP/1.1 414 URI Too Long");
    CHECK(first_line(exchange(s.port(), "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(10'000, 'a') + "\r\n\r\n")) ==
          "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_CASE("an error body that echoes a raw byte is still valid JSON") {
    lab_server s;
    auto reply = exchange(s.port(), "GET /async?ms=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(first_line(reply) == "HTTP/1.1 400 Bad Request");
    auto body = nlohmann::json::parse(body_of(reply));  // throws on invalid UTF-8
    CHECK(body["error"].get<std::string>().find("\\xFF") != std::string::npos);
}

TEST_CASE("Expect: 100-continue is answered before the body is sent") {
    lab_server s;
    int fd = connect_to(s.port());
    REQUIRE(fd >= 0);
    const std::string head = "POST /tasks?ms=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                             "Connection: close\r\n\r\n";
    ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    std::string interim;
    char c;
    while (interim.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) interim += c;
    CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    ::send(fd, "hello", 5, MSG_NOSIGNAL);
    CHECK(first_line(read_all(fd)) == "HTTP/1.1 202 Accepted");
    ::close(fd);
}

TEST_CASE("the client reads response heads of 20 KiB") {
    canned_server big("HTTP/1.1 200 OK\r\nX-Padding: " + std::string(20'000, 'p') +
                      "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    auto arm = load({big.url(), "-c", "1", "-n", "3"}, 0);
    CHECK(arm["ok"] == 3);
}

TEST_CASE("the client skips 1xx interim responses and reads the final one") {
    canned_server interim("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    auto arm = load({interim.url(), "-c", "1", "-n", "3"}, 0);
    CHECK(arm["ok"] == 3);
    for (const auto& r : arm["requests_detail"]) CHECK(r["status"] == 200);
}

TEST_CASE("a keep-alive connection the server closed while idle is reopened — not a failure") {
    // Answers without Connection: close, then closes 10 ms later, as a server whose keep-alive
    // timeout passed: requests 50 ms apart find their connection closed, and go on a new one.
    canned_server closes_idle("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", std::chrono::milliseconds(10));
    auto arm = load({closes_idle.url(), "-c", "1", "-n", "4", "--rate", "20"}, 0);
    CHECK(arm["ok"] == 4);
    CHECK(arm["reconnects"] == 3);
    CHECK(arm["errors"]["read"] == 0);
    CHECK(closes_idle.requests() == 4);  // each request reached the server once
}

TEST_CASE("a request the server may have started is never sent again — a POST must not run twice") {
    // Answers a connection's first request, reads its second and closes without a word: as a
    // server that died mid-request. That failure used to be taken for an idle close and re-sent.
    canned_server dies("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", {}, true);
    auto arm = load({dies.url(), "-c", "1", "-n", "3"}, 1);
    CHECK(dies.requests() == 3);  // one arrival per request asked for: nothing re-sent
    CHECK(arm["ok"] == 2);
    CHECK(arm["errors"]["read"] == 1);
    CHECK(arm["reconnects"] == 0);
}

TEST_CASE("connect failures back off instead of hammering a dead port") {
    int port = 0;
    int fd = listen_on_loopback(1, port);
    ::close(fd);  // nobody listens there now
    auto arm = load({"http://127.0.0.1:" + std::to_string(port) + "/", "-c", "2", "-d", "1"}, 1);
    const int failed = arm["errors"]["connect"];
    CHECK(failed >= 2);
    // 10 ms, doubling to 1 s: at most 8 attempts a connection in the first second (a tight
    // loop made ~45 000).
    CHECK(failed <= 2 * 8);
}

TEST_CASE("-c never exceeds -n") {
    lab_server s;
    auto arm = load({"http://127.0.0.1:" + std::to_string(s.port()) + "/health", "-c", "10", "-n", "1"}, 0);
    CHECK(arm["concurrency"] == 1);
    CHECK(arm["ok"] == 1);
}

TEST_CASE("in a closed loop -d bounds the run: requests still in flight are cancelled at its end") {
    lab_server s;
    auto url = "http://127.0.0.1:" + std::to_string(s.port()) + "/async?ms=20000";
    auto arm = load({url, "-c", "2", "-d", "0.5", "--timeout", "60"}, 1);  // nothing was answered
    CHECK(arm["verdict"] == "failed");
    CHECK(arm["cancelled"] == 2);
    CHECK(arm["duration_s"].get<double>() < 60.0 / 4);  // ended by -d, nowhere near the timeout
}

TEST_SUITE_END();
