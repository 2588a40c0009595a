// `scenario NAME --replay` under a real pseudo-terminal (forkpty): the diagram is drawn as the run
// goes, the counts of the notes' Part 4 at their moments, `q` quits, the terminal is given back
// and the report follows; without a terminal it is a usage error.
#include "run_command.hpp"

#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <regex>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

using namespace lab::test;
using namespace std::chrono_literals;

namespace {

struct pty_child {
    pid_t pid = -1;
    int fd = -1;
    std::string seen;

    explicit pty_child(const std::vector<std::string>& args, unsigned short columns) {
        winsize size{40, columns, 0, 0};
        pid = ::forkpty(&fd, nullptr, nullptr, &size);
        if (pid == 0) {
            std::vector<char*> argv{const_cast<char*>(LAB_BINARY)};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(LAB_BINARY, argv.data());
            ::_exit(127);
        }
    }
    ~pty_child() {
        if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (fd >= 0) ::close(fd);
    }
    // Reads until `done` holds for what was seen, or the limit passes.
    template <class Done>
    bool read_until(Done done, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done(seen)) {
            if (std::chrono::steady_clock::now() > until) return false;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[8192];
            const auto n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return done(seen);
            seen.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }
    int wait_exit(std::chrono::milliseconds limit) {
        int status = 0;
        const auto until = std::chrono::steady_clock::now() + limit;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) return -1;
            char buf[8192];
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) > 0 && ::read(fd, buf, sizeof buf) > 0) continue;
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
};

}  // namespace

TEST_CASE("the terminal replay draws the Part 4 boxes under a pty — q quits and the report follows") {
    pty_child lab({"scenario", "blocking-async", "--replay", "--replay-speed", "10"}, 100);
    REQUIRE(lab.pid > 0);
    // At 10× slower the first request's 100 ms on the loop lasts a second: one running, nine in the kernel.
    const std::regex blocked(R"(in the kernel +9 │.*running on the loop +1 │)");
    CHECK(lab.read_until([&](const std::string& s) { return std::regex_search(s, blocked); }, 30s));
    CHECK(lab.seen.find("\033[?1049h") != std::string::npos);  // on the alternate screen
    CHECK(lab.seen.find("10× slower") != std::string::npos);
    // Every line of a frame fits the 100 columns.
    const auto frame_at = lab.seen.rfind("\033[H");
    REQUIRE(frame_at != std::string::npos);
    ::write(lab.fd, "q", 1);
    CHECK(lab.read_until([](const std::string& s) { return s.find("verdict") != std::string::npos; }, 20s));
    const auto back = lab.seen.find("\033[?1049l");
    REQUIRE(back != std::string::npos);                                   // the screen given back
    CHECK(lab.seen.find("serialized", back) != std::string::npos);       // then the report
    CHECK(lab.wait_exit(10s) == 0);
}

TEST_CASE("the terminal replay steps on when asked — and a SIGTERM gives the terminal back") {
    pty_child lab({"scenario", "nonblocking-async", "--replay", "--replay-speed", "100"}, 60);
    REQUIRE(lab.pid > 0);
    // Two boxes a row at 60 columns; ten waiting on their timers, for ten seconds at 100× slower.
    CHECK(lab.read_until([](const std::string& s) { return std::regex_search(s, std::regex(R"(waiting +10 │)")); }, 30s));
    ::write(lab.fd, " ", 1);  // pause
    CHECK(lab.read_until([](const std::string& s) { return s.find("paused") != std::string::npos; }, 5s));
    ::kill(lab.pid, SIGTERM);
    CHECK(lab.read_until([](const std::string& s) { return s.find("\033[?1049l") != std::string::npos; }, 10s));
    CHECK(lab.wait_exit(10s) == 128 + SIGTERM);
}

TEST_CASE("a SIGHUP mid-replay ends the lab at once — and still gives the screen back") {
    pty_child lab({"scenario", "blocking-async", "--replay", "--replay-speed", "100"}, 80);
    REQUIRE(lab.pid > 0);
    CHECK(lab.read_until([](const std::string& s) { return s.find("running on the loop") != std::string::npos; }, 30s));
    ::kill(lab.pid, SIGHUP);
    CHECK(lab.read_until([](const std::string& s) { return s.find("\033[?1049l") != std::string::npos; }, 10s));
    CHECK(lab.seen.find("\033[?25h", lab.seen.find("running on the loop")) != std::string::npos);  // the cursor shown again
    CHECK(lab.wait_exit(10s) == -1);  // ended by the signal itself, as an interrupted driver is
}

TEST_CASE("--replay without a terminal is a usage error — and it is not for --format or --out") {
    auto r = run_lab({"scenario", "blocking-async", "--replay"}, 20);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--replay draws in a terminal") != std::string::npos);
    CHECK(r.out.empty());  // refused before the run
    for (const auto& extra : std::vector<std::vector<std::string>>{{"--format", "json"}, {"--out", "/tmp/x.txt"},
                                                                   {"--replay-speed", "5"}}) {
        std::vector<std::string> args{"scenario", "blocking-async", "--replay"};
        args.insert(args.end(), extra.begin(), extra.end());
        CAPTURE(extra[0]);
        CHECK(run_lab(args, 20).exit_code == 2);
    }
    CHECK(run_lab({"scenario", "blocking-async", "--replay-speed", "10"}, 20).exit_code == 2);  // needs --replay
    // Its speeds as decimal numbers, as every number flag: 010 is ten; 1e1 and 5 say why not.
    CHECK(run_lab({"scenario", "blocking-async", "--replay", "--replay-speed", "010"}, 20).err.find("draws in a terminal") !=
          std::string::npos);
    CHECK(run_lab({"scenario", "blocking-async", "--replay", "--replay-speed", "1e1"}, 20).err.find("not a whole decimal") !=
          std::string::npos);
    CHECK(run_lab({"scenario", "blocking-async", "--replay", "--replay-speed", "5"}, 20).err.find("5 is not 1, 10 or 100") !=
          std::string::npos);
}
