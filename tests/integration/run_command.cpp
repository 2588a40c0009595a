#include "run_command.hpp"

#include <chrono>
#include <cstdio>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lab::test {

namespace {

// argv and envp for posix_spawn, owning their strings.
struct exec_strings {
    std::vector<std::string> arg_text, env_text;
    std::vector<char*> argv, envp;

    exec_strings(const std::vector<std::string>& args, const std::vector<std::string>& env,
                 const char* exe = LAB_BINARY)
        : arg_text{exe}, env_text(env) {
        arg_text.insert(arg_text.end(), args.begin(), args.end());
        for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
        for (auto& a : arg_text) argv.push_back(a.data());
        for (auto& e : env_text) envp.push_back(e.data());
        argv.push_back(nullptr);
        envp.push_back(nullptr);
    }
};

}  // namespace

command_result run_lab(const std::vector<std::string>& args, double limit_s, const std::vector<std::string>& env) {
    return run_binary(LAB_BINARY, args, limit_s, env);
}

command_result run_binary(const std::string& exe, const std::vector<std::string>& args, double limit_s,
                          const std::vector<std::string>& env) {
    int out_pipe[2], err_pipe[2];
    ::pipe(out_pipe);
    ::pipe(err_pipe);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
    exec_strings exec(args, env, exe.c_str());
    pid_t pid = 0;
    ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, exec.argv.data(), exec.envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    command_result result;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    bool killed = false;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            auto n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return result;
}

pid_t start_lab(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    exec_strings exec(args, env);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    ::posix_spawn(&pid, LAB_BINARY, &actions, nullptr, exec.argv.data(), exec.envp.data());
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

pid_t start_lab_logged(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file,
                       const std::vector<std::string>& env) {
    exec_strings exec(args, env);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    ::posix_spawn(&pid, LAB_BINARY, &actions, nullptr, exec.argv.data(), exec.envp.data());
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

int count_processes_with_env(const std::string& entry) {
    int count = 0;
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator("/proc", ec)) {
        std::ifstream environ_file(dir.path() / "environ");
        std::string text((std::istreambuf_iterator<char>(environ_file)), {});
        std::size_t at = 0;
        while (at < text.size()) {
            auto end = text.find('\0', at);
            if (end == std::string::npos) end = text.size();
            if (text.compare(at, end - at, entry) == 0) {
                ++count;
                break;
            }
            at = end + 1;
        }
    }
    return count;
}

std::string unique_env_marker() {
    static int calls = 0;
    return "LAB_TEST_MARK=" + std::to_string(::getpid()) + "-" + std::to_string(++calls);
}

std::string run_shell(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

}  // namespace lab::test
