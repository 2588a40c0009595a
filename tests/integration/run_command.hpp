#pragma once
// Runs the real binary as a child process and captures what it says.
#include <string>
#include <sys/types.h>
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

// Starts LAB_BINARY with args in the background (output discarded); returns its pid.
pid_t start_lab(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// Counts live processes whose environment holds `entry` ("NAME=value"), so a test
// finds exactly the processes it started (children inherit the environment).
int count_processes_with_env(const std::string& entry);

// A NAME=value entry unique to this test process and call.
std::string unique_env_marker();

}  // namespace lab::test
