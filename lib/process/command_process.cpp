#include "process/command_process.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace lab {

namespace {

// Live command groups, for the driver's fatal-signal handler: fixed slots of atomics.
constexpr std::size_t max_groups = 16;
struct group_slot {
    std::atomic<pid_t> watchdog{0}, group{0};
};
std::array<group_slot, max_groups> live_groups;

void remember(pid_t watchdog, pid_t group) {
    for (auto& slot : live_groups) {
        pid_t empty = 0;
        if (slot.watchdog.compare_exchange_strong(empty, watchdog)) {
            slot.group.store(group);
            return;
        }
    }
}

void forget(pid_t watchdog) {
    for (auto& slot : live_groups) {
        pid_t expected = watchdog;
        if (slot.watchdog.compare_exchange_strong(expected, 0)) {
            slot.group.store(0);
            return;
        }
    }
}

void pause_ms(long ms) {
    timespec t{0, ms * 1'000'000};
    ::nanosleep(&t, nullptr);
}

void write_all(int fd, const void* data, std::size_t n) {
    [[maybe_unused]] auto ignored = ::write(fd, data, n);
}

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
    return "stopped";
}

// Ends process group `group`: SIGTERM, up to 2 s for it to empty, then SIGKILL.
void end_group(pid_t group, pid_t first) {
    ::kill(-group, SIGTERM);
    for (int i = 0; i < 200; ++i) {
        ::waitpid(first, nullptr, WNOHANG);
        if (::kill(-group, 0) != 0 && errno == ESRCH) return;
        pause_ms(10);
    }
    ::kill(-group, SIGKILL);
    ::waitpid(first, nullptr, 0);
}

// Ends what escaped the group (a daemon that called setsid): as the watchdog is a subreaper,
// every orphaned descendant becomes its child once its parent is gone, so it kills its
// children until none is left. Only async-signal-safe calls: this runs in a forked child.
void end_escapees() {
    for (int round = 0; round < 300; ++round) {
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        // The watchdog has one thread, so its own thread's children are all of its children.
        int fd = ::open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;  // no /proc: the group kill is all there is
        char text[4096];
        const ssize_t got = ::read(fd, text, sizeof text - 1);
        ::close(fd);
        if (got <= 0) return;  // no children left
        pid_t pid = 0;
        for (ssize_t i = 0; i <= got; ++i) {
            if (i < got && text[i] >= '0' && text[i] <= '9') {
                pid = pid * 10 + (text[i] - '0');
            } else if (pid > 0) {
                ::kill(pid, SIGKILL);
                pid = 0;
            }
        }
        pause_ms(10);
    }
}

struct prepared {
    std::vector<std::string> arg_text, env_text;
    std::vector<char*> argv, envp;
    std::string cwd;
    uid_t uid;
    gid_t gid;
    bool quiet_stdout;
    std::vector<std::string> remove_after;
};

// Everything the children need, made before fork: between fork and exec only async-signal-safe
// calls, since another thread of the driver may hold malloc's lock at the moment of forking.
prepared prepare(const command_line& command, int port) {
    prepared p;
    p.arg_text = with_port(command.argv, port, command.socket);
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        bool overridden = false;
        for (const auto& [name, value] : command.env) overridden |= entry.starts_with(name + "=");
        if (!overridden) p.env_text.push_back(std::move(entry));
    }
    for (const auto& [name, value] : command.env) p.env_text.push_back(name + "=" + with_port({value}, port, command.socket).front());
    for (auto& a : p.arg_text) p.argv.push_back(a.data());
    for (auto& e : p.env_text) p.envp.push_back(e.data());
    p.argv.push_back(nullptr);
    p.envp.push_back(nullptr);
    p.cwd = command.cwd.string();
    p.uid = command.uid;
    p.gid = command.gid;
    p.quiet_stdout = command.quiet_stdout;
    p.remove_after = command.remove_after;
    return p;
}

// The folder a command leaves behind (a service's data), once nothing of its tree runs: by
// /bin/rm, since a forked child of a threaded driver may not walk a tree itself (opendir
// allocates). Empty: nothing to remove.
void remove_folders(const std::vector<std::string>& folders) {
    for (const auto& folder : folders) {
        if (folder.empty()) continue;
        const pid_t rm = ::fork();
        if (rm == 0) {
            const char* argv[] = {"rm", "-rf", "--", folder.c_str(), nullptr};
            ::execv("/bin/rm", const_cast<char* const*>(argv));
            ::_exit(127);
        }
        if (rm > 0) ::waitpid(rm, nullptr, 0);
    }
}

// The watchdog: starts the command in a group of its own, then waits for a stop (SIGTERM from
// the driver, or the parent-death signal), or for the command's first process to end, and
// takes the whole group down either way. Its exit status is the command's.
[[noreturn]] void run_watchdog(const prepared& p, pid_t driver, int pid_pipe, int error_pipe) {
    sigset_t waited;
    sigemptyset(&waited);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&waited, sig);
    ::sigprocmask(SIG_BLOCK, &waited, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != driver) ::_exit(1);  // the driver died before prctl took effect
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);     // orphans of the command's tree come here, not to init
    const pid_t first = ::fork();
    if (first == 0) {
        ::setpgid(0, 0);
        ::sigprocmask(SIG_UNBLOCK, &waited, nullptr);
        // What the server prints goes to the lab's stderr: its stdout is the lab's report.
        ::dup2(STDERR_FILENO, STDOUT_FILENO);
        if (int null = ::open("/dev/null", O_RDWR); null >= 0) {
            ::dup2(null, STDIN_FILENO);
            if (p.quiet_stdout) ::dup2(null, STDOUT_FILENO);
        }
        // A service that refuses root (postgres) runs as its own user: groups, group, then user.
        if (p.uid != static_cast<uid_t>(-1) &&
            (::setgroups(0, nullptr) != 0 || ::setgid(p.gid) != 0 || ::setuid(p.uid) != 0)) {
            int e = errno;
            write_all(error_pipe, &e, sizeof e);
            ::_exit(127);
        }
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the watchdog never dies before its group; should it, so does this
        if (!p.cwd.empty() && ::chdir(p.cwd.c_str()) != 0) {
            int e = errno;
            write_all(error_pipe, &e, sizeof e);
            ::_exit(127);
        }
        ::execvpe(p.argv[0], p.argv.data(), p.envp.data());
        int e = errno;
        write_all(error_pipe, &e, sizeof e);
        ::_exit(127);
    }
    ::close(error_pipe);
    if (first > 0) ::setpgid(first, first);  // from this side too, so the group exists before any kill
    write_all(pid_pipe, &first, sizeof first);
    ::close(pid_pipe);
    if (first < 0) ::_exit(126);
    for (;;) {
        const int sig = ::sigwaitinfo(&waited, nullptr);
        if (sig < 0) continue;
        if (sig == SIGCHLD) {
            int status = 0;
            if (::waitpid(first, &status, WNOHANG) != first) continue;
            ::kill(-first, SIGKILL);  // its own children go with it
            end_escapees();
            remove_folders(p.remove_after);
            ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
        end_group(first, first);
        end_escapees();
        remove_folders(p.remove_after);
        ::_exit(0);
    }
}

}  // namespace

namespace {

void put_in(std::string& text, std::string_view placeholder, const std::string& value) {
    for (std::size_t at = 0; (at = text.find(placeholder, at)) != std::string::npos; at += value.size())
        text.replace(at, placeholder.size(), value);
}

}  // namespace

std::vector<std::string> with_port(const std::vector<std::string>& argv, int port, const std::string& socket) {
    std::vector<std::string> out;
    for (auto arg : argv) {
        put_in(arg, "{port}", std::to_string(port));
        if (!socket.empty()) put_in(arg, "{socket}", socket);
        out.push_back(std::move(arg));
    }
    return out;
}

command_process::command_process(const command_line& command, int port) {
    if (command.argv.empty()) throw std::runtime_error("target command is empty");
    const prepared p = prepare(command, port);
    int pid_pipe[2], error_pipe[2];
    if (::pipe2(pid_pipe, O_CLOEXEC) != 0 || ::pipe2(error_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t driver = ::getpid();
    watchdog_ = ::fork();
    if (watchdog_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (watchdog_ == 0) {
        ::close(pid_pipe[0]);
        ::close(error_pipe[0]);
        run_watchdog(p, driver, pid_pipe[1], error_pipe[1]);
    }
    ::close(pid_pipe[1]);
    ::close(error_pipe[1]);
    pid_t group = 0;
    const bool got_group = ::read(pid_pipe[0], &group, sizeof group) == sizeof group && group > 0;
    ::close(pid_pipe[0]);
    if (got_group) remember(watchdog_, group);
    int exec_errno = 0;
    const bool exec_failed = ::read(error_pipe[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
    ::close(error_pipe[0]);
    if (!got_group || exec_failed) {
        stop();
        throw std::runtime_error("cannot run " + p.arg_text.front() +
                                 (exec_failed ? std::string(": ") + std::strerror(exec_errno) : std::string()));
    }
}

command_process::~command_process() { stop(); }

bool command_process::running() {
    if (watchdog_ <= 0) return false;
    int status = 0;
    if (::waitpid(watchdog_, &status, WNOHANG) != watchdog_) return true;
    ended_ = describe(status);
    forget(watchdog_);
    watchdog_ = -1;
    return false;
}

void command_process::stop() {
    if (watchdog_ <= 0) return;
    ::kill(watchdog_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {  // the watchdog's own 2 s of grace, and a little more
        if (::waitpid(watchdog_, &status, WNOHANG) == watchdog_) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (i == 299) {
            ::kill(watchdog_, SIGKILL);
            ::waitpid(watchdog_, &status, 0);
        }
    }
    for (auto& slot : live_groups)
        if (slot.watchdog.load() == watchdog_ && slot.group.load() > 0) ::kill(-slot.group.load(), SIGKILL);
    if (ended_.empty()) ended_ = describe(status);
    forget(watchdog_);
    watchdog_ = -1;
}

void kill_command_groups() noexcept {
    for (auto& slot : live_groups) {
        if (pid_t group = slot.group.load(); group > 0) ::kill(-group, SIGKILL);
        // Not killed: the watchdog still has to end what escaped the group (end_escapees).
        if (pid_t w = slot.watchdog.load(); w > 0) ::kill(w, SIGTERM);
    }
}

std::vector<std::string> missing_debian_packages(const std::vector<std::string>& names) {
    std::vector<std::string> missing;
    for (const auto& name : names) {
        bool installed = false;
        // Names are checked before they reach a shell: Debian's own syntax for package names.
        const bool plain = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+-.") == std::string::npos;
        if (plain) {
            const std::string query = "dpkg-query -W -f='${Status}' " + name + " 2>/dev/null";
            if (FILE* out = ::popen(query.c_str(), "r")) {
                char buf[128] = {};
                const auto n = std::fread(buf, 1, sizeof buf - 1, out);
                ::pclose(out);
                installed = std::string(buf, n).find("install ok installed") != std::string::npos;
            }
        }
        if (!installed) missing.push_back(name);
    }
    return missing;
}

int free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error(std::string("no free port: ") + std::strerror(errno));
    return ntohs(a.sin_port);
}

}  // namespace lab
