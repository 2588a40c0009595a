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

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

// SIGKILLs every live server_process; async-signal-safe (the driver's signal handler calls it).
void kill_live_children() noexcept;

}  // namespace lab
