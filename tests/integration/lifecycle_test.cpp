// Whatever happens to the driver, no server or worker outlives it by more than ~2 s.
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

TEST_SUITE_END();
