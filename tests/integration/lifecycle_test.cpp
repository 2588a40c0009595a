// Whatever happens to the driver, no server or worker outlives it by more than ~2 s.
#include "process/command_process.hpp"
#include "process/server_process.hpp"
#include "run_command.hpp"

#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <string>
#include <sys/wait.h>
#include <thread>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using namespace lab::test;
using namespace std::chrono_literals;

namespace {

// Starts a scenario, waits until its servers run, sends `sig` to the driver, and
// returns how many of its processes are left 2 s later.
int survivors_after(const std::vector<std::string>& args, int expected_processes, int sig) {
    auto marker = unique_env_marker();
    pid_t driver = start_lab(args, {marker});
    bool running = wait_for([&] { return count_processes_with_env(marker) >= expected_processes; }, 10s);
    CHECK(running);
    ::kill(driver, sig);
    ::waitpid(driver, nullptr, 0);
    wait_for([&] { return count_processes_with_env(marker) == 0; }, 2s);
    return count_processes_with_env(marker);
}

const std::string long_workers = std::string(TEST_DATA_DIR) + "/long-workers.toml";

}  // namespace

TEST_CASE("interrupting a single-server scenario leaves nothing behind") {
    // driver + server
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGKILL}) {
        CAPTURE(sig);
        CHECK(survivors_after({"scenario", "blocking-async", "--ms", "1000"}, 2, sig) == 0);
    }
}

TEST_CASE("interrupting a prefork scenario leaves no supervisor and no worker") {
    // driver + supervisor + 2 workers
    for (int sig : {SIGINT, SIGKILL}) {
        CAPTURE(sig);
        CHECK(survivors_after({"scenario", long_workers}, 4, sig) == 0);
    }
}

TEST_CASE("a server that dies mid-run: failures counted — the run completes — nothing left") {
    auto marker = unique_env_marker();
    auto r = run_lab({"scenario", std::string(TEST_DATA_DIR) + "/server-dies.toml", "--format", "json"}, 30, {marker});
    REQUIRE(r.exit_code == 1);  // the run completes, and says it is partial: exit 1, not a verdict
    CHECK(r.out.find("\"verdict\":\"partial\"") != std::string::npos);
    auto text = r.out;
    CHECK(text.find("\"connect\":") != std::string::npos);
    CHECK(text.find("\"ok\":30") == std::string::npos);  // some requests failed...
    CHECK(count_processes_with_env(marker) == 0);        // ...and no process is left
}



TEST_CASE("a lab server that ignores SIGTERM is killed after the grace — and reported as such") {
    lab::server_process server(std::string(TEST_DATA_DIR) + "/ignores_sigterm.sh", {});
    CHECK(server.port() == 9);
    const auto began = std::chrono::steady_clock::now();
    server.stop();
    const auto took = std::chrono::steady_clock::now() - began;
    CHECK(took < 10s);  // the grace is 2 s: never a hang
    CHECK_FALSE(server.ended_cleanly());
    CHECK(server.killed_by(SIGKILL));
    CHECK(server.end_description() == "did not stop within 2 s of SIGTERM and was killed");
}

TEST_CASE("a command that ignores SIGTERM is killed after the grace — its whole group") {
    auto marker = unique_env_marker();
    const auto eq = marker.find('=');
    lab::command_process command({{"/bin/sh", "-c", "trap '' TERM; /bin/sleep 300 & exec /bin/sleep 301"}, {},
                                  {{marker.substr(0, eq), marker.substr(eq + 1)}}},
                                 0);
    REQUIRE(wait_for([&] { return count_processes_with_env(marker) >= 2; }, 5s));  // the two sleeps
    const auto began = std::chrono::steady_clock::now();
    command.stop();
    CHECK(std::chrono::steady_clock::now() - began < 10s);
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 2s));
}

TEST_SUITE_END();
