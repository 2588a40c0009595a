#include "process/process_memory.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fcntl.h>
#include <sstream>
#include <unistd.h>
#include <string>

namespace lab {

namespace {

// A /proc file read with read(2): libstdc++'s filebuf throws from underflow when read fails,
// whatever the stream's exception mask, and reading a process that exits meanwhile fails with
// ESRCH. An empty string then: the process is gone.
std::string read_proc_file(const std::string& path) {
    std::string text;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
}

long long rss_kb(pid_t pid) {
    std::istringstream status(read_proc_file("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) != 0) continue;
        const auto digits = line.find_first_of("0123456789");
        long long kb = 0;
        if (digits != std::string::npos) std::from_chars(line.data() + digits, line.data() + line.size(), kb);
        return kb;
    }
    return 0;  // gone, or a zombie: no memory of its own
}

pid_t parent_of(const std::filesystem::path& proc_dir) {
    const std::string text = read_proc_file(proc_dir / "stat");
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(text.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

// Every process on the machine with its parent, in one pass over /proc. Processes come and go
// while it is listed (a worker dies, its replacement starts): every step takes an error code, so
// the listing ends early instead of throwing — it runs on the memory sampler's thread, where an
// exception would terminate the lab.
std::vector<std::pair<pid_t, pid_t>> processes_and_parents() {
    std::vector<std::pair<pid_t, pid_t>> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        pid_t pid = 0;
        auto [last, parse_ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (parse_ec == std::errc{} && last == name.data() + name.size()) out.emplace_back(pid, parent_of(it->path()));
    }
    return out;
}

}  // namespace

std::vector<process_memory> memory_of_tree(pid_t root) {
    std::vector<process_memory> out{{root, rss_kb(root), false}};
    for (const auto& [pid, parent] : processes_and_parents())
        if (parent == root) out.push_back({pid, rss_kb(pid), false});
    out.front().supervisor = out.size() > 1;
    return out;
}

std::vector<process_memory> memory_below(pid_t root) {
    const auto parents = processes_and_parents();
    std::vector<process_memory> out;
    std::vector<pid_t> frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [pid, ppid] : parents)
            if (ppid == parent) {
                out.push_back({pid, rss_kb(pid), false});
                frontier.push_back(pid);
            }
    }
    for (auto& p : out)
        p.supervisor = std::any_of(parents.begin(), parents.end(), [&](const auto& e) { return e.second == p.pid; });
    return out;
}

}  // namespace lab
