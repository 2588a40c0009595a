#include "server/supervisor.hpp"

#include "server/listener.hpp"
#include "server/metrics_board.hpp"
#include "server/task_board.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <vector>

namespace lab {

namespace {

struct worker_slot {
    pid_t pid = -1;
    int listen_fd = -1;
    std::chrono::steady_clock::time_point started;
    int restarts = 0;
};

sigset_t supervisor_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
    return set;
}

// `ready_fd`: the write end of the supervisor's readiness pipe, for the first workers (one byte
// each once they can serve); -1 for a replacement, whose start nobody waits for.
pid_t fork_worker(const worker_slot& slot, const std::vector<worker_slot>& all, server_options options,
                  int ready_fd = -1) {
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    // Child: no io_context exists yet, so nothing of Asio's is shared with the parent.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    sigset_t set = supervisor_signals();
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    for (const auto& other : all)
        if (other.listen_fd != slot.listen_fd) ::close(other.listen_fd);
    options.metrics_slot = static_cast<int>(&slot - all.data());  // a replacement reports in its predecessor's slot
    serve_on(slot.listen_fd, options, [ready_fd] {
        if (ready_fd < 0) return;
        const char byte = 1;
        [[maybe_unused]] auto n = ::write(ready_fd, &byte, 1);
        ::close(ready_fd);
    });
}

// Waits until every first worker has said it can serve, or died trying (its end of the pipe
// closes either way), bounded so that a wedged worker cannot hold the announcement for ever.
void await_workers(int read_fd, std::size_t workers) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::size_t ready = 0;
    while (ready < workers) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{read_fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        char bytes[64];
        const auto n = ::read(read_fd, bytes, sizeof bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // every worker's end closed
        ready += static_cast<std::size_t>(n);
    }
}

void stop_all(std::vector<worker_slot>& slots) {
    for (auto& w : slots)
        if (w.pid > 0) ::kill(w.pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (auto& w : slots) {
        while (w.pid > 0) {
            if (::waitpid(w.pid, nullptr, WNOHANG) == w.pid) {
                w.pid = -1;
            } else if (std::chrono::steady_clock::now() > deadline) {
                ::kill(w.pid, SIGKILL);
                ::waitpid(w.pid, nullptr, 0);
                w.pid = -1;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
    }
}

std::string describe(int status) {
    if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

}  // namespace

void run_supervisor(const server_options& options) {
    // One shared accept queue, or one SO_REUSEPORT socket per worker on the same port.
    std::vector<worker_slot> slots(static_cast<std::size_t>(options.workers));
    listener first = open_listener(options.host, options.port, options.reuse_port);
    for (std::size_t i = 0; i < slots.size(); ++i)
        slots[i].listen_fd =
            i == 0 || !options.reuse_port ? first.fd : open_listener(options.host, first.port, true).fd;

    // Signals are taken synchronously with sigwaitinfo: no handler runs between fork calls.
    sigset_t set = supervisor_signals();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    // Mapped before the first fork, so every worker, replacements included, shares it.
    task_board tasks(task_board_slots(options));
    metrics_board metrics(slots.size());
    server_options worker_options = options;
    worker_options.ready_fd = -1;
    worker_options.shared_tasks = &tasks;
    worker_options.shared_metrics = &metrics;
    // The port is announced once every worker can serve, as a single server announces it
    // (server.cpp): a run's first requests must not wait for the workers to build themselves.
    int ready_pipe[2];
    if (::pipe2(ready_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    for (auto& slot : slots) {
        slot.pid = fork_worker(slot, slots, worker_options, ready_pipe[1]);
        slot.started = std::chrono::steady_clock::now();
    }
    ::close(ready_pipe[1]);
    await_workers(ready_pipe[0], slots.size());
    ::close(ready_pipe[0]);
    announce_ready(options, first.port);

    for (;;) {
        siginfo_t info{};
        int sig = ::sigwaitinfo(&set, &info);
        if (sig < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (sig != SIGCHLD) break;
        int status = 0;
        for (pid_t dead; (dead = ::waitpid(-1, &status, WNOHANG)) > 0;) {
            tasks.lose_tasks_of(dead);  // its queue died with it
            for (auto& slot : slots) {
                if (slot.pid != dead) continue;
                // A replacement that dies at once would make a fork loop; pace those restarts.
                if (slot.restarts > 0 && std::chrono::steady_clock::now() - slot.started < std::chrono::milliseconds(200))
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                slot.pid = fork_worker(slot, slots, worker_options);
                slot.started = std::chrono::steady_clock::now();
                slot.restarts++;
                fmt::print(stderr, "concurrency-lab: worker {} {}; restarted as {}\n", dead, describe(status), slot.pid);
            }
        }
    }
    stop_all(slots);
    std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__)
    // _exit skips LeakSanitizer's check at exit: run it, and fail as LSan would (server.cpp).
    if (__lsan_do_recoverable_leak_check() != 0) ::_exit(23);
#endif
    ::_exit(0);
}

}  // namespace lab
