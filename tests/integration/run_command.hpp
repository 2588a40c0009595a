#pragma once
// Runs the real binary as a child process and captures what it says.
#include <string>
#include <vector>

namespace lab::test {

struct command_result {
    int exit_code = -1;  // -1 when killed by the time limit
    std::string out, err;
};

// Runs LAB_BINARY with args; kills it after `limit_s` seconds (a hang is a failure).
command_result run_lab(const std::vector<std::string>& args, double limit_s = 60);

// Counts live processes whose command line contains `needle` (from /proc).
int count_processes(const std::string& needle);

}  // namespace lab::test
