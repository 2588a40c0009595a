#pragma once
// Runs the real binary as a child process and captures what it says.
#include <chrono>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace lab::test {

struct command_result {
    int exit_code = -1;  // -1 when killed by the time limit
    std::string out, err;
};

// Runs LAB_BINARY with args; kills it after `limit_s` seconds (a hang is a failure).
// `env` entries ("NAME=value") are added to the child's environment.
command_result run_lab(const std::vector<std::string>& args, double limit_s = 60,
                       const std::vector<std::string>& env = {});

// The same for another copy of the binary.
command_result run_binary(const std::string& exe, const std::vector<std::string>& args, double limit_s = 60,
                          const std::vector<std::string>& env = {});

// Starts LAB_BINARY with args in the background (output discarded); returns its pid.
pid_t start_lab(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// Runs a shell command line (popen) and returns what it printed on stdout.
std::string run_shell(const std::string& command);

// Counts live processes whose environment holds `entry` ("NAME=value"), so a test
// finds exactly the processes it started (children inherit the environment).
int count_processes_with_env(const std::string& entry);

// A NAME=value entry unique to this test process and call.
std::string unique_env_marker();

// Waits until `done` holds (polled every 10 ms) or the limit passes; true when it held.
template <class Predicate>
bool wait_for(Predicate done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// Starts LAB_BINARY with args, stdout and stderr to files; returns its pid.
pid_t start_lab_logged(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file,
                       const std::vector<std::string>& env = {});

}  // namespace lab::test
