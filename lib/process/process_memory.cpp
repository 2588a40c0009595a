#include "process/process_memory.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lab {

namespace {

long long rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    return 0;
}

pid_t parent_of(const std::filesystem::path& proc_dir) {
    std::ifstream stat(proc_dir / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(text.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

}  // namespace

std::vector<process_memory> memory_of_tree(pid_t root) {
    std::vector<process_memory> out{{root, rss_kb(root), false}};
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (parent_of(entry.path()) == root) out.push_back({std::stoll(name), rss_kb(std::stoi(name)), false});
    }
    out.front().supervisor = out.size() > 1;
    return out;
}

}  // namespace lab
