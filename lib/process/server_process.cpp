#include "process/server_process.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lab {

namespace {

// Live children, read by the signal handler: fixed slots of atomics, nothing that allocates.
constexpr std::size_t max_children = 64;
std::array<std::atomic<pid_t>, max_children> live_children{};

void remember(pid_t pid) {
    for (auto& slot : live_children) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pid)) return;
    }
}

void forget(pid_t pid) {
    for (auto& slot : live_children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}


// Between fork and exec only async-signal-safe calls: the argv is built before the fork
// (another thread may hold malloc's lock at the moment of forking).
[[noreturn]] void exec_child(const char* exe, char* const* argv, int ready_fd, pid_t parent) {
    // If the driver dies (even by SIGKILL) the kernel sends the server SIGTERM.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the driver died before prctl took effect
    // A group of its own: a terminal's Ctrl-C goes to the driver alone, which gives the requests
    // in flight their grace and then stops the server, instead of the server dying under them.
    ::setpgid(0, 0);
    ::fcntl(ready_fd, F_SETFD, 0);          // let the readiness pipe survive exec
    ::execv(exe, argv);
    ::_exit(127);
}

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
    return "stopped";
}

}  // namespace

std::string self_executable() {
    std::array<char, 4096> buf{};
    auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    if (n <= 0) throw std::runtime_error("cannot find own executable: " + std::string(std::strerror(errno)));
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

server_process::server_process(const std::string& exe, const std::vector<std::string>& args,
                               std::chrono::milliseconds ready_timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    std::vector<std::string> argv_storage{exe, "serve", "--port", "0", "--ready-fd", std::to_string(fds[1]), "--quiet"};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    }
    if (pid_ == 0) exec_child(exe.c_str(), argv.data(), fds[1], parent);
    remember(pid_);
    ::close(fds[1]);

    std::string line;
    auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    while (line.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fds[0], POLLIN, 0};
        int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        char chunk[32];
        auto n = ::read(fds[0], chunk, sizeof chunk);
        if (n <= 0) break;
        line.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    try {
        port_ = std::stoi(line);
    } catch (const std::exception&) {
        int status = 0;
        bool exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
        if (exited) {
            forget(pid_);
            pid_ = -1;
        }
        stop();
        throw std::runtime_error(exited ? "server " + describe_exit(status) + " before it was ready"
                                        : "server did not report ready in time");
    }
}

server_process::~server_process() { stop(); }

void server_process::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    reaped_ = true;
    for (int i = 0; i < 200; ++i) {  // up to 2 s of grace
        if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
            forget(pid_);
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    forced_ = true;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    forget(pid_);
    pid_ = -1;
}

bool server_process::ended_cleanly() const {
    return reaped_ && !forced_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

bool server_process::killed_by(int sig) const { return reaped_ && WIFSIGNALED(status_) && WTERMSIG(status_) == sig; }

std::string server_process::end_description() const {
    if (!reaped_) return "is still running";
    if (forced_) return "did not stop within 2 s of SIGTERM and was killed";
    return describe_exit(status_);
}

void kill_live_children() noexcept {
    for (auto& slot : live_children)
        if (pid_t pid = slot.load(); pid > 0) ::kill(pid, SIGKILL);
}

}  // namespace lab
