#pragma once
// A `concurrency-lab serve` child: spawned, awaited until it reports its port, and
// always stopped and reaped — on success, on error, and on Ctrl-C of the driver.
#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lab {

// Path of the running executable, so the driver can start itself as a server.
std::string self_executable();

class server_process {
public:
    // Runs `exe serve --port 0 --ready-fd F <args>` and waits for "PORT\n" on F.
    // Throws std::runtime_error when the child exits or stays silent past the timeout.
    server_process(const std::string& exe, const std::vector<std::string>& args,
                   std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }

    // SIGTERM, a short grace period, then SIGKILL; always reaps. Idempotent.
    void stop();

    // After stop(): whether the server ended as a stopped server does — exit status 0, within
    // the grace period. A sanitizer's report (it aborts), a crash or a hang past the grace
    // period all say otherwise, and end_description() says how it ended.
    bool ended_cleanly() const;
    std::string end_description() const;
    bool killed_by(int sig) const;

private:
    pid_t pid_ = -1;
    int port_ = 0;
    int status_ = 0;       // waitpid's, once reaped
    bool reaped_ = false;
    bool forced_ = false;  // it outlived the grace period and got SIGKILL
};

// SIGKILLs every live server_process; async-signal-safe (the driver's signal handler calls it).
void kill_live_children() noexcept;

}  // namespace lab
