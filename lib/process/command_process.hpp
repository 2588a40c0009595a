#pragma once
// A server that is not the lab's, started from a command line (DESIGN.md §8): the runner
// starts it, waits until it answers, loads it and stops it — its whole process tree, on every
// path. The command runs in a process group of its own under a small watchdog process of
// ours, so a server that forks workers (uvicorn --workers 2) goes down whole: the watchdog
// kills the group when it is told to stop, when the command's first process ends, and when
// the driver dies (even by SIGKILL: the watchdog holds a parent-death signal). What the
// command prints goes to the lab's stderr (its stdout is the lab's report); stdin is /dev/null.
#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace lab {

struct command_line {
    std::vector<std::string> argv;  // "{port}" in any argument becomes the port, "{socket}" the socket's path
    std::filesystem::path cwd;      // empty: the driver's
    std::vector<std::pair<std::string, std::string>> env;  // added to the driver's environment (placeholders too)
    std::string socket;             // what "{socket}" stands for (empty: the command names none)
    // A service's needs (PostgreSQL): run as this user (a root lab drops to it; -1: as the lab),
    // its stdout thrown away (initdb's chatter), and folders removed once its whole tree is gone
    // — by the watchdog, so even a driver killed by SIGKILL leaves nothing on disk.
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    bool quiet_stdout = false;
    std::vector<std::string> remove_after;
};

// The command line as it runs: "{port}" in every argument replaced by `port`, and "{socket}"
// by `socket` when one is given.
std::vector<std::string> with_port(const std::vector<std::string>& argv, int port, const std::string& socket = {});

class command_process {
public:
    // Starts the command with `port` put in; throws std::runtime_error when it cannot.
    command_process(const command_line& command, int port);
    ~command_process();
    command_process(const command_process&) = delete;
    command_process& operator=(const command_process&) = delete;

    // Whether the command's first process is still running (false once it exited).
    bool running();
    // How it ended, once it did: "exited with status 1".
    std::string end_description() const { return ended_; }

    // SIGTERM to the whole group, up to 2 s of grace, then SIGKILL; reaps. Idempotent.
    void stop();

    pid_t watchdog() const { return watchdog_; }

private:
    pid_t watchdog_ = -1;
    std::string ended_;
};

// SIGKILLs every live command's group and watchdog; async-signal-safe (the driver's fatal-signal
// handler calls it beside kill_live_children).
void kill_command_groups() noexcept;

// Of these Debian package names, the ones dpkg does not list as installed.
std::vector<std::string> missing_debian_packages(const std::vector<std::string>& names);

// A port on 127.0.0.1 that nothing listens on now (bound, read, closed), for a command's {port}.
int free_loopback_port();

}  // namespace lab
