// Fidelity (issue 28 A): a run starts on a server that can serve, and its window opens on a
// client that is running. Both are checked by what exists at the instant, not by timing: the
// threads a server or client has when it says it is ready.
#include "load/load_generator.hpp"
#include "process/server_process.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

TEST_SUITE_BEGIN("integration");

namespace {

// The "Threads:" line of /proc/PID/status: how many threads the process has now.
int threads_of(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return -1;
}

std::vector<pid_t> children_of(pid_t pid) {
    std::ifstream list("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    std::vector<pid_t> out;
    for (pid_t child; list >> child;) out.push_back(child);
    return out;
}

}  // namespace

TEST_CASE("a server announces its port only once its pool exists") {
    // A pool this large takes tens of milliseconds to build: a server that announced first is
    // caught with the loop thread alone when the port arrives.
    lab::server_process server(LAB_BINARY, {"--pool-threads", "1024"});
    CHECK(threads_of(server.pid()) >= 1025);
}

TEST_CASE("a prefork server announces its port only once every worker can serve") {
    lab::server_process server(LAB_BINARY, {"--workers", "2", "--pool-threads", "512"});
    const auto workers = children_of(server.pid());
    REQUIRE(workers.size() == 2);
    for (pid_t w : workers) {
        CAPTURE(w);
        CHECK(threads_of(w) >= 513);
    }
}

TEST_CASE("the timed window opens with every client lane's thread running") {
    lab::server_process server(LAB_BINARY, {});
    lab::load_options options;
    options.url = lab::parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/health");
    options.requests = 8;
    options.concurrency = 8;
    options.threads = 8;
    const int before = threads_of(::getpid());
    int at_open = -1, running = -1;
    options.on_window_open = [&](int lanes_running) {
        at_open = threads_of(::getpid());
        running = lanes_running;
    };
    const auto run = lab::run_load(options);
    CHECK(run.requests.size() == 8);
    CHECK(at_open >= before + 8);  // the threads exist
    CHECK(running == 8);           // and each has started its body: the window waits for them
    for (const auto& r : run.requests) CHECK(r.start_ns >= run.t0_ns);
}
