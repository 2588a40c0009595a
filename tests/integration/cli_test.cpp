// Bad input: one line on stderr, exit 2, no server left, no partial file.
#include "raw_socket.hpp"
#include "run_command.hpp"

#include <algorithm>
#include <fstream>
#include <sys/wait.h>
#include "sanitizer.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;

namespace {

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

void check_usage_error(const std::vector<std::string>& args, const std::string& expected) {
    auto r = run_lab(args, 20);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(r.out.empty());
}

// A listening socket that nobody serves, to make a port busy.
struct busy_port {
    int port = 0;
    int fd = lab::test::listen_on_loopback(1, port);
    ~busy_port() { ::close(fd); }
};

}  // namespace

TEST_CASE("list shows every scenario with its title") {
    auto r = run_lab({"list"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("blocking-async") != std::string::npos);
    CHECK(r.out.find("nonblocking-async") != std::string::npos);
    CHECK(r.out.find("a blocking call inside the event loop") != std::string::npos);
}

TEST_CASE("usage errors exit 2 with one line") {
    check_usage_error({"scenario", "no-such"}, "unknown scenario 'no-such' (run 'concurrency-lab list' to see them)");
    check_usage_error({"scenario", "blocking-async", "--bogus"}, "--bogus");
    check_usage_error({"scenario", "blocking-async", "--requests", "0"}, "--requests");
    check_usage_error({"scenario", "blocking-async", "--concurrency", "20001"}, "20001 is not in 1 … 20000");
    check_usage_error({"scenario", "blocking-async", "--format", "xml"}, "--format");
    check_usage_error({"scenario", std::string(TEST_DATA_DIR) + "/bad/wrong_type.toml"},
                      "wrong_type.toml:7: arms[0].requests: must be an integer from 1 to 10000000, \"cores\" or \"K*cores\"");
    check_usage_error({}, "A subcommand is required");
    check_usage_error({"load", "ftp://127.0.0.1:1/"}, "unsupported scheme");
    check_usage_error({"load", "ftp://127.0.0.1/"}, "unsupported scheme 'ftp'");
    check_usage_error({"load", "http://no-such-host.invalid:80/"}, "cannot resolve no-such-host.invalid");
    check_usage_error({"load", "http://127.0.0.1:1/", "-c", "0"}, "--connections");
}

TEST_CASE("a port in use is a usage error") {
    busy_port busy;
    check_usage_error({"serve", "--port", std::to_string(busy.port)},
                      "cannot listen on 127.0.0.1:" + std::to_string(busy.port) + ": Address already in use");
}

TEST_CASE("an unwritable --out fails before the run and leaves no file") {
    check_usage_error({"scenario", "blocking-async", "--out", "/nonexistent-dir/result.json"},
                      "cannot write /nonexistent-dir/result.json");
}

TEST_CASE("--out writes the whole document atomically") {
    auto dir = std::filesystem::temp_directory_path() / ("lab-out-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto file = dir / "r.json";
    auto r = run_lab({"scenario", "nonblocking-async", "--requests", "3", "--ms", "5", "--format", "json", "--out",
                      file.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    auto doc = nlohmann::json::parse(std::ifstream(file));
    CHECK(doc["scenario"] == "nonblocking-async");
    CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);  // no temp file left
    std::filesystem::remove_all(dir);
}

TEST_CASE("load counts connect failures by kind and exits 1") {
    busy_port closed;  // bound, then closed below: nothing listens there
    int port = closed.port;
    ::close(closed.fd);
    closed.fd = -1;
    auto r = run_lab({"load", "http://127.0.0.1:" + std::to_string(port) + "/async?ms=1", "-c", "2", "-n", "5",
                      "--format", "json"});
    CHECK(r.exit_code == 1);
    auto arm = nlohmann::json::parse(r.out);
    CHECK(arm["errors"]["connect"] == 5);
    CHECK(arm["ok"] == 0);
}

TEST_CASE("load prints the same arm object as a scenario — and a timeout really cancels" * measures()) {
    lab::test::command_result serve_check;
    auto r = run_lab({"scenario", "nonblocking-async", "--requests", "1", "--format", "json"});
    REQUIRE(r.exit_code == 0);
    auto scenario_arm = nlohmann::json::parse(r.out)["arms"][0];

    // A lab server of our own, so load can point at it.
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        ::execl(LAB_BINARY, LAB_BINARY, "serve", "--port", "0", "--ready-fd", std::to_string(fds[1]).c_str(), nullptr);
        ::_exit(127);
    }
    ::close(fds[1]);
    char buf[16] = {};
    REQUIRE(::read(fds[0], buf, sizeof buf - 1) > 0);
    ::close(fds[0]);
    std::string base = "http://127.0.0.1:" + std::to_string(std::atoi(buf));

    auto load = run_lab({"load", base + "/async?ms=10", "-c", "4", "-n", "8", "--format", "json"});
    CHECK(load.exit_code == 0);
    auto arm = nlohmann::json::parse(load.out);
    for (auto& [key, value] : scenario_arm.items()) CHECK_MESSAGE(arm.contains(key), key);
    CHECK(arm["ok"] == 8);
    CHECK(arm["verdict"] == "concurrent");
    CHECK(arm["requests_detail"][0]["pid"] == pid);

    // 300 ms handlers, 50 ms timeout: every request times out, and the run ends promptly.
    auto timed = run_lab({"load", base + "/async?ms=300", "-c", "2", "-n", "4", "--timeout", "0.05", "--format",
                          "json"}, 10);
    CHECK(timed.exit_code == 1);
    auto t = nlohmann::json::parse(timed.out);
    CHECK(t["errors"]["timeout"] == 4);
    // Each request really cancelled at its 50 ms timeout (cut between 1 and 1.25 timeouts),
    // not recorded as a timeout once its 300 ms answer came: a client that never cancels fails.
    for (const auto& req : t["requests_detail"])
        CHECK(req["end_ms"].get<double>() - req["start_ms"].get<double>() < 300.0 / 2);

    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
}

TEST_CASE("a scenario leaves no server behind") {
    auto marker = lab::test::unique_env_marker();
    auto r = run_lab({"scenario", "nonblocking-async", "--requests", "2", "--ms", "1"}, 60, {marker});
    CHECK(r.exit_code == 0);
    CHECK(lab::test::count_processes_with_env(marker) == 0);
}

namespace {

std::size_t widest_line(const std::string& text) {
    std::size_t widest = 0, width = 0;
    for (char c : text) {
        if (c == '\n') {
            widest = std::max(widest, width);
            width = 0;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++width;
        }
    }
    return std::max(widest, width);
}

}  // namespace

TEST_CASE("the table fits --width or $COLUMNS — and a pipe without either gets the full tables") {
    const std::vector<std::string> run{"scenario", "experiment-log", "--requests", "3", "--ms", "10"};
    auto full = run_lab(run);
    REQUIRE(full.exit_code == 0);
    CHECK(widest_line(full.out) > 100);  // the experiment log's table is wider than a projector's terminal
    auto args = run;
    args.insert(args.end(), {"--width", "80"});
    auto narrow = run_lab(args);
    CAPTURE(narrow.out);
    REQUIRE(narrow.exit_code == 0);
    CHECK(widest_line(narrow.out) <= 80);
    CHECK(narrow.out.find("verdict") != std::string::npos);
    auto columns = run_lab(run, 60, {"COLUMNS=100"});
    REQUIRE(columns.exit_code == 0);
    CHECK(widest_line(columns.out) <= 100);
    auto flag_wins = run_lab(args, 60, {"COLUMNS=100"});
    CHECK(widest_line(flag_wins.out) <= 80);
    args.back() = "0";  // --width 0: whole tables, whatever $COLUMNS says
    CHECK(widest_line(run_lab(args, 60, {"COLUMNS=100"}).out) > 100);
    for (const char* bad : {"10", "-1", "0x50", "nan"}) {
        args.back() = bad;
        auto r = run_lab(args);
        CAPTURE(bad);
        CHECK(r.exit_code == 2);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}

// A flag takes no value: `--gil=2` once turned the GIL on.
TEST_CASE("a flag given a value is refused") {
    for (const char* flag : {"--gil=2", "--gil=yes", "--test-routes=0", "--quiet=1"}) {
        auto r = run_lab({"serve", "--port", "0", flag}, 10);
        CHECK_MESSAGE(r.exit_code == 2, flag);
        CHECK(r.err.find("concurrency-lab: error:") != std::string::npos);
    }
}



TEST_CASE("a typo is answered with the nearest flag — command — scenario — or key") {
    check_usage_error({"scenario", "blocking-async", "--requets", "3"}, "did you mean '--requests'?");
    check_usage_error({"load", "http://127.0.0.1:9/", "--timout", "1"}, "did you mean '--timeout'?");
    check_usage_error({"scenario", "blocking-asynk"}, "unknown scenario 'blocking-asynk' — did you mean 'blocking-async'?");
    check_usage_error({"senario", "blocking-async"}, "did you mean 'scenario'?");
    const auto file = (std::filesystem::temp_directory_path() / ("lab-typo-" + std::to_string(::getpid()) + ".toml")).string();
    std::ofstream(file) << "title = \"t\"\nlesson = \"l.\"\n[[arms]]\nname = \"a\"\nroute = \"/async\"\nrequets = 3\n";
    check_usage_error({"scenario", file}, "requets: unknown key — did you mean 'requests'?");
    std::filesystem::remove(file);
}

TEST_CASE("help NAME prints that command's help — --ms and --width say what they take") {
    auto help = run_lab({"help", "scenario"});
    CHECK(help.exit_code == 0);
    CHECK(help.out == run_lab({"scenario", "--help"}).out);
    CHECK(help.out.find("--ms INT:") != std::string::npos);   // whole milliseconds: not FLOAT
    CHECK(help.out.find("--width INT:0 or 40 … 1000") != std::string::npos);  // one range, not two
    CHECK(run_lab({"help"}).out == run_lab({"--help"}).out);
    check_usage_error({"help", "scenaro"}, "no command 'scenaro' to explain — did you mean 'scenario'?");
    check_usage_error({"scenario", "blocking-async", "--ms", "1.5"}, "'1.5' is not a whole decimal number");
}

TEST_CASE("list --needs reads a scenario as the run does — comments — a multi-line array — the scenario folder") {
    const auto dir = std::filesystem::temp_directory_path() / ("lab-needs-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "app.toml") << "title = \"t\"\nlesson = \"l.\"\n[target]\ncommand = [\"/bin/true\"]\n"
                                       "needs = [  # what it runs on\n  \"python3-uvicorn\",\n  \"python3-fastapi\", ]  # both\n"
                                       "[[arms]]\nname = \"a\"\npath = \"/\"\n";
    auto r = lab::test::run_lab({"list", "--needs", "app"}, 20, {"CONCURRENCY_LAB_SCENARIOS=" + dir.string()});
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "python3-fastapi\npython3-uvicorn\n");
    CHECK(run_lab({"list", "--needs", "blocking-async"}).out.empty());
    std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
