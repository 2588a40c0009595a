// Hostile and broken clients on raw sockets, against one process and against prefork
// workers: the server answers 4xx or closes, and keeps serving everyone else.
#include "process/process_memory.hpp"
#include "process/server_process.hpp"
#include "raw_socket.hpp"

#include "sanitizer.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <httplib.h>
#include <string>
#include <poll.h>
#include <unistd.h>
#include <vector>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::connect_to;
using lab::test::exchange;
using lab::test::read_all;

namespace {

bool healthy(int port) {
    httplib::Client c("127.0.0.1", port);
    auto res = c.Get("/health");
    return res && res->status == 200;
}

long long total_rss_kb(pid_t pid) {
    long long total = 0;
    for (const auto& m : lab::memory_of_tree(pid)) total += m.rss_kb;
    return total;
}

const std::vector<std::vector<std::string>> modes{{}, {"--workers", "2"}};

}  // namespace

TEST_CASE("malformed — oversized and truncated requests get 4xx and the server keeps serving") {
    for (const auto& mode : modes) {
        CAPTURE(mode.size());
        lab::server_process s(LAB_BINARY, mode);
        CHECK(exchange(s.port(), "GARBAGE\r\n\r\n").starts_with("HTTP/1.1 400"));
        CHECK(exchange(s.port(), "GET /health HTTP/9.9\r\n\r\n").starts_with("HTTP/1.1 400"));
        CHECK(exchange(s.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX: " + std::string(20'000, 'a') + "\r\n\r\n")
                  .starts_with("HTTP/1.1 431"));
        CHECK(exchange(s.port(), "POST /async?ms=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
                  .starts_with("HTTP/1.1 413"));
        CHECK(exchange(s.port(), std::string("GET /he\0alth HTTP/1.1\r\n\r\n", 25)).starts_with("HTTP/1.1 400"));
        for (const char* route : {"/blocking?ms=1", "/async?ms=1", "/pool?ms=1", "/cpu?n=1000&on=pool"})
            CHECK(exchange(s.port(), std::string("GET ") + route + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                      .starts_with("HTTP/1.1 200"));
        CHECK(healthy(s.port()));
    }
}

TEST_CASE("a client that sends half a request and stalls is cut off by the timeout — not before" * measures()) {
    const auto timeout = std::chrono::milliseconds(300);
    for (auto mode : modes) {
        CAPTURE(mode.size());
        mode.insert(mode.end(), {"--io-timeout-ms", std::to_string(timeout.count())});
        lab::server_process s(LAB_BINARY, mode);
        int fd = connect_to(s.port());
        REQUIRE(fd >= 0);
        std::string half = "GET /health HTTP/1.1\r\nHost: x\r\n";  // no blank line: the head never ends
        auto t0 = std::chrono::steady_clock::now();
        ::send(fd, half.data(), half.size(), MSG_NOSIGNAL);
        auto reply = read_all(fd);  // returns when the server closes
        auto waited = std::chrono::steady_clock::now() - t0;
        ::close(fd);
        CHECK(reply.empty());
        CHECK(waited >= timeout);  // a server that dropped partial requests at once would fail here
        CHECK(waited < std::chrono::seconds(4));  // closed by the server, not by our 5 s receive timeout
        CHECK(healthy(s.port()));
    }
}

TEST_CASE("a client that stops reading its responses is cut off by the timeout" * measures()) {
  for (auto mode : modes) {
    CAPTURE(mode.size());
    mode.insert(mode.end(), {"--io-timeout-ms", "300"});
    lab::server_process s(LAB_BINARY, mode);
    int fd = connect_to(s.port(), 4096);  // a small receive window fills fast
    REQUIRE(fd >= 0);
    // Pipelined requests, never a byte read back: once the socket buffers are full, the
    // server's write cannot finish, and only the timeout can end it.
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    std::size_t sent = 0;  // into burst: a partial send must not cut a request in two
    auto t0 = std::chrono::steady_clock::now();
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
        auto n = ::send(fd, burst.data() + sent, burst.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) sent = (sent + static_cast<std::size_t>(n)) % burst.size();
        pollfd p{fd, POLLRDHUP, 0};
        ::poll(&p, 1, 100);
        // The server's close of a connection it has not read to the end is a reset.
        closed = (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0;
    }
    ::close(fd);
    CHECK(closed);
    CHECK(healthy(s.port()));
  }
}

TEST_CASE("clients that vanish mid-response or mid-connection do not hurt the server" * measures()) {
    for (const auto& mode : modes) {
        CAPTURE(mode.size());
        lab::server_process s(LAB_BINARY, mode);
        // Ask for a slow answer, then hang up before it is written.
        for (const char* route : {"/async?ms=50", "/pool?ms=50", "/blocking?ms=20"}) {
            int fd = connect_to(s.port());
            REQUIRE(fd >= 0);
            std::string req = std::string("GET ") + route + " HTTP/1.1\r\nHost: x\r\n\r\n";
            ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
            ::close(fd);
        }
        auto before = total_rss_kb(s.pid());
        // 1000 connections opened and dropped, some with half a request.
        for (int i = 0; i < 1000; ++i) {
            int fd = connect_to(s.port());
            REQUIRE(fd >= 0);
            if (i % 2) ::send(fd, "GET /heal", 9, MSG_NOSIGNAL);
            ::close(fd);
        }
        CHECK(healthy(s.port()));
        auto after = total_rss_kb(s.pid());
        CAPTURE(before);
        CAPTURE(after);
        CHECK(after - before < 16 * 1024);  // bounded: nothing kept per dropped connection
    }
}

TEST_SUITE_END();
