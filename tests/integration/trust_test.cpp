// Issues 14, 15 and 19 through the real binary: the documentation matches the flags, bad
// paths and numbers are refused before any server starts, failed and interrupted runs say
// so, and a copied lab reads and writes its own files.
#include "run_command.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;
using namespace std::chrono_literals;

namespace {

struct temp_dir {
    fs::path path;
    explicit temp_dir(const std::string& tag)
        : path(fs::temp_directory_path() / ("lab-" + tag + "-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::set<std::string> name_set() const {
        auto all = names();
        return {all.begin(), all.end()};
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
        return out;
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Flags as `--name` or `-x` tokens.
std::set<std::string> flags_in(const std::string& text, const std::regex& pattern) {
    std::set<std::string> out;
    for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) out.insert((*it)[1]);
    return out;
}

int free_port() {
    int port = 0;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

// Whether `sig` is still pending for `pid` (SigPnd / ShdPnd in /proc/PID/status).
bool signal_pending(pid_t pid, int sig) {
    std::istringstream status(slurp("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("SigPnd:") || line.starts_with("ShdPnd:"))
            if (std::stoull(line.substr(7), nullptr, 16) & (1ULL << (sig - 1))) return true;
    return false;
}

// Sockets open in process `pid`: a server's listener and its connections.
int sockets_of(pid_t pid) {
    int n = 0;
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
        n += fs::read_symlink(fd.path(), ec).string().starts_with("socket:");
    return n;
}

// The pid of this test's process whose command line holds `part`, or 0.
pid_t pid_with(const std::string& marker, const std::string& part) {
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator("/proc", ec)) {
        auto cmd = slurp(dir.path() / "cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        if (slurp(dir.path() / "environ").find(marker) != std::string::npos && cmd.find(part) != std::string::npos)
            return std::atoi(dir.path().filename().c_str());
    }
    return 0;
}

int wait_status(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A 30 s arm whose server is the only one started with --pool-threads 7, so that a test finds it.
const std::string long_arm = R"([[arms]]
name = "long"
route = "/async"
requests = 4
concurrency = 4
ms = 30000
pool_threads = 7
)";

// Starts the lab with `args` (stdout and stderr to files in `d`), waits until long_arm's server
// holds its listener and four connections — the load is on — and sends SIGINT; returns how the
// driver ended.
int interrupt_long_arm(const std::vector<std::string>& args, const fs::path& d, const std::string& marker) {
    pid_t driver = start_lab_logged(args, (d / "stdout").string(), (d / "stderr").string(), {marker});
    pid_t long_server = 0;
    REQUIRE(wait_for([&] { return (long_server = pid_with(marker, "--pool-threads 7")) > 0; }, 20s));
    REQUIRE(wait_for([&] { return sockets_of(long_server) >= 5; }, 10s));
    ::kill(driver, SIGINT);
    return wait_status(driver);
}

// A scenario of 50 s: were it run before an error, the test's 20 s limit would kill it.
const std::vector<std::string> long_run{"scenario", "blocking-async", "--ms", "5000"};

}  // namespace

TEST_CASE("docs/cli.md documents exactly the flags the binary takes") {
    auto help = run_lab({"--help-all"});
    REQUIRE(help.exit_code == 0);
    const std::regex in_help(R"((?:^|[\s,])(--?[a-z][a-z-]*))");
    auto flags = flags_in(help.out, in_help);
    // The documented ones: backticked in the first cell of a table row.
    std::set<std::string> documented;
    std::istringstream doc(slurp(std::string(DOCS_DIR) + "/cli.md"));
    const std::regex cell(R"(`(--?[a-z][a-z-]*)`)");
    for (std::string line; std::getline(doc, line);) {
        if (!line.starts_with("| `-")) continue;
        auto first = line.substr(0, line.find('|', 1));
        for (const auto& f : flags_in(first, cell)) documented.insert(f);
    }
    CHECK(flags == documented);
}

TEST_CASE("help says concurrency-lab — --version answers — a typo names the nearest command") {
    auto help = run_lab({"--help"});
    CHECK(help.out.find("Usage: concurrency-lab ") != std::string::npos);
    CHECK(help.out.find(LAB_BINARY) == std::string::npos);
    auto version = run_lab({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(std::regex_match(version.out, std::regex("concurrency-lab [0-9]+\\.[0-9]+\\.[0-9]+\n")));
    auto typo = run_lab({"lst"});
    CHECK(typo.exit_code == 2);
    CHECK(typo.err.find("unknown command 'lst' — did you mean 'list'?") != std::string::npos);
}

TEST_CASE("an output path the lab cannot write is refused before any server starts") {
    temp_dir d("refused");
    ::mkfifo((d.path / "fifo").c_str(), 0644);
    struct bad_path {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<bad_path> cases{
        {{"--out", d.path.string()}, "is a directory"},
        {{"--out", (d.path / "missing/x.json").string()}, "no such folder"},
        {{"--out", (d.path / "fifo").string()}, "a FIFO with no reader"},
    };
    for (const auto& c : cases) {
        auto marker = unique_env_marker();
        auto args = long_run;
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto r = run_lab(args, 20, {marker});
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.says) != std::string::npos);
        CHECK(count_processes_with_env(marker) == 0);
    }
    auto junit = run_lab({"check", "--scenarios", "blocking-async", "--junit", d.path.string()}, 20);
    CHECK(junit.exit_code == 2);
    CHECK(junit.err.find("is a directory") != std::string::npos);
    auto record = run_lab({"check", "--record", "--scenarios", "blocking-async", "--baseline",
                           (d.path / "none/baseline.json").string()},
                          20);
    CHECK(record.exit_code == 2);
    CHECK(std::set<std::string>{"fifo"} == d.name_set());
}

TEST_CASE("--out to a device is written in place — never replaced") {
    auto r = run_lab({"scenario", "nonblocking-async", "--out", "/dev/null"});
    CHECK(r.exit_code == 0);
    struct stat st {};
    REQUIRE(::lstat("/dev/null", &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    auto full = run_lab({"scenario", "nonblocking-async", "--out", "/dev/full"});
    CHECK(full.exit_code == 1);
    CHECK(full.err.find("cannot write /dev/full: write: No space left on device") != std::string::npos);
}

TEST_CASE("malformed numbers are refused with the flag and its range") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"serve", "--port", "0x10"}, "--port: '0x10' is not a whole decimal number (0 … 65535)"},
        {{"serve", "--port", "65536"}, "--port: 65536 is not in 0 … 65535"},
        {{"serve", "--ready-fd", "-1"}, "--ready-fd: '-1' is not a whole decimal number"},
        {{"scenario", "blocking-async", "--ms", "0.5"}, "--ms: '0.5' is not a whole decimal number (0 … 60000 ms)"},
        {{"scenario", "blocking-async", "--requests", "1e3"}, "--requests: '1e3' is not a whole decimal number"},
        {{"load", "http://127.0.0.1:9/", "-d", "nan"}, "--duration: 'nan' is not a decimal number (0.01 … 3600 s)"},
        {{"load", "http://127.0.0.1:9/", "--rate", "nan"}, "--rate: 'nan' is not a decimal number"},
        {{"load", "http://127.0.0.1:9/", "--timeout", "inf"}, "--timeout: 'inf' is not a decimal number"},
        {{"load", "http://127.0.0.1:99999/"}, "bad port '99999' in 'http://127.0.0.1:99999/' (expected 1 … 65535)"},
        {{"load", "http://127.0.0.1:0/"}, "bad port '0'"},
        {{"load", "http://127.0.0.1:/"}, "bad port ''"},
    };
    for (const auto& [args, says] : cases) {
        auto r = run_lab(args, 10);
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(says) != std::string::npos);
    }
}

TEST_CASE("a port with a leading zero is decimal: --port 0P listens on P") {
    temp_dir d("port");
    const int port = free_port();
    pid_t server = start_lab_logged({"serve", "--port", "0" + std::to_string(port)}, (d.path / "out").string(),
                                    (d.path / "err").string());
    const std::string line = "listening on http://127.0.0.1:" + std::to_string(port) + ", pid ";
    CHECK(wait_for([&] { return slurp(d.path / "err").find(line) != std::string::npos; }, 10s));
    ::kill(server, SIGTERM);
    wait_status(server);
}

TEST_CASE("scenario files deep enough to crash a recursive parser are refused — and list survives them") {
    temp_dir d("deep");
    std::string key;
    for (int i = 0; i < 50000; ++i) key += i ? ".a" : "a";
    write(d.path / "deep.toml", "title = \"x\"\nlesson = \"y\"\n" + key + " = 1\n");
    write(d.path / "nested.toml", "title = \"x\"\nlesson = \"y\"\nz = " + std::string(100000, '[') +
                                      std::string(100000, ']') + "\n");
    for (const char* file : {"deep.toml", "nested.toml"}) {
        auto r = run_lab({"scenario", (d.path / file).string()}, 20);
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(std::string(file) + ":3: ") != std::string::npos);
    }
    auto list = run_lab({"list"}, 20, {"CONCURRENCY_LAB_SCENARIOS=" + d.path.string()});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("(invalid: ") != std::string::npos);
    CHECK(list.out.find("a key of more than 16 parts") != std::string::npos);
}

TEST_CASE("list and scenario all and check refuse a folder with no scenarios") {
    const std::vector<std::string> empty{"CONCURRENCY_LAB_SCENARIOS=/nonexistent-lab-folder"};
    for (const auto& args : std::vector<std::vector<std::string>>{{"check"}, {"list"}, {"scenario", "all"}}) {
        auto r = run_lab(args, 20, empty);
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("/nonexistent-lab-folder") != std::string::npos);
        CHECK(r.out.empty());
    }
}

TEST_CASE("a run whose every request fails says so — judges no model and exits 1") {
    temp_dir d("fails");
    write(d.path / "all-fail.toml", R"(title = "every request times out"
lesson = "A 200 ms handler behind a 50 ms timeout."
[[arms]]
name = "slow"
route = "/async"
requests = 4
concurrency = 4
ms = 200
timeout_s = 0.05
)");
    auto r = run_lab({"scenario", (d.path / "all-fail.toml").string()}, 20);
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("slow: failed — 4 of 4 requests failed (4 timeout)") != std::string::npos);
    CHECK(r.out.find("No model is judged") != std::string::npos);
    CHECK(r.out.find("concurrent —") == std::string::npos);
    auto json = run_lab({"scenario", (d.path / "all-fail.toml").string(), "--format", "json"}, 20);
    auto arm = nlohmann::json::parse(json.out)["arms"][0];
    CHECK(arm["verdict"] == "failed");
    CHECK(arm["measured_over_ideal"].is_null());
}

TEST_CASE("check --record keeps the entries of the scenarios it did not run") {
    temp_dir d("record");
    const auto shipped = std::string(DOCS_DIR) + "/../results/baseline.json";
    fs::copy_file(shipped, d.path / "baseline.json");
    const auto before = nlohmann::json::parse(slurp(d.path / "baseline.json"))["ratios"];
    auto r = run_lab({"check", "--record", "--scenarios", "blocking-async", "--baseline",
                      (d.path / "baseline.json").string()},
                     60);
    CAPTURE(r.out);
    REQUIRE(r.exit_code == 0);
    const auto after = nlohmann::json::parse(slurp(d.path / "baseline.json"))["ratios"];
    int updated = 0;
    for (const auto& [key, entry] : after.items()) updated += key.starts_with("blocking-async/");
    CHECK(updated > 0);
    const auto summary = "updated " + std::to_string(updated) + ", kept " + std::to_string(before.size() - updated);
    CHECK(r.out.find(summary) != std::string::npos);
    for (const auto& [key, entry] : before.items()) CHECK_MESSAGE(after.contains(key), key);
    CHECK(after.size() == before.size());
}

TEST_CASE("SIGINT mid-scenario keeps what was measured — writes it and leaves no temporary file") {
    temp_dir d("interrupt");
    write(d.path / "two-arms.toml", R"(title = "a quick arm, then a long one"
lesson = "Interrupted during the second arm, the first arm's result is kept."
[[arms]]
name = "quick"
route = "/async"
requests = 4
concurrency = 4
ms = 200
)" + long_arm);
    auto marker = unique_env_marker();
    const auto out = d.path / "result.json";
    CHECK(interrupt_long_arm({"scenario", (d.path / "two-arms.toml").string(), "--format", "json", "--out", out.string()},
                             d.path, marker) == 130);
    auto doc = nlohmann::json::parse(slurp(out));
    CHECK(doc["interrupted"] == true);
    REQUIRE(doc["arms"].size() == 2);
    CHECK(doc["arms"][0]["verdict"] == "concurrent");
    CHECK(doc["arms"][1]["verdict"] == "failed");
    CHECK(doc["arms"][1]["ok"] == 0);
    CHECK(doc["arms"][1]["requests_detail"].empty());  // cut off in flight (or never sent): not failures
    CHECK(doc["arms"][1]["cancelled"].get<int>() <= 4);
    CHECK(std::set<std::string>{"result.json", "stdout", "stderr", "two-arms.toml"} ==
          d.name_set());
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 2s));
}

TEST_CASE("an interrupted check says an arm was not measured — not that it is missing") {
    temp_dir d("check-int");
    write(d.path / "guard.toml", R"(title = "a long arm, then a quick one"
lesson = "Interrupted during the first arm, the second never runs."
)" + long_arm + R"([[arms]]
name = "quick"
route = "/async"
requests = 4
concurrency = 4
ms = 100
[[expect]]
name = "quick is quicker"
ratio = "quick.wall / long.wall"
max = 1
)");
    auto marker = unique_env_marker();
    CHECK(interrupt_long_arm({"check", "--scenarios", (d.path / "guard.toml").string()}, d.path, marker) == 130);
    const auto out = slurp(d.path / "stdout");
    CAPTURE(out);
    CHECK(out.find("not measured: the run was interrupted before every arm it names had run") != std::string::npos);
    CHECK(out.find("no arm 'quick'") == std::string::npos);
    CHECK(out.find("check: 0 passed, 0 failed, 1 interrupted") != std::string::npos);
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 2s));
}

TEST_CASE("SIGHUP — or a second SIGINT — ends the driver at once and still leaves no temporary file") {
    for (std::vector<int> signals : {std::vector<int>{SIGHUP}, std::vector<int>{SIGINT, SIGINT}}) {
        temp_dir d("hangup");
        auto marker = unique_env_marker();
        auto args = long_run;
        args.insert(args.end(), {"--out", (d.path / "result.txt").string()});
        pid_t driver = start_lab_logged(args, (d.path / "stdout").string(), (d.path / "stderr").string(), {marker});
        REQUIRE(wait_for([&] { return count_processes_with_env(marker) >= 2; }, 10s));  // driver and server
        for (int sig : signals) {
            // Two signals sent at once may arrive as one: send the next once this one was taken.
            ::kill(driver, sig);
            wait_for([&] { return !signal_pending(driver, sig); }, 2s);
        }
        CHECK(wait_status(driver) == 128 + signals.back());
        CHECK(std::set<std::string>{"stdout", "stderr"} == d.name_set());
        CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 2s));
    }
}

TEST_CASE("SIGINT during load prints what it measured and exits 130" * doctest::test_suite("slow")) {
    temp_dir d("load-int");
    pid_t server = start_lab_logged({"serve", "--port", "0"}, (d.path / "s.out").string(), (d.path / "s.err").string());
    std::smatch m;
    const std::regex listening("listening on (http://127\\.0\\.0\\.1:[0-9]+)");
    std::string err;
    REQUIRE(wait_for([&] { err = slurp(d.path / "s.err"); return std::regex_search(err, m, listening); }, 10s));
    const std::string url = m[1].str() + "/async?ms=50";
    pid_t load = start_lab_logged({"load", url, "-c", "2", "-d", "60", "--out", (d.path / "load.txt").string()},
                                  (d.path / "l.out").string(), (d.path / "l.err").string());
    // The output file is opened before the run: once its temporary file exists the load is on its way.
    REQUIRE(wait_for([&] {
        for (const auto& name : d.names())
            if (name.starts_with("load.txt.tmp.")) return true;
        return false;
    }, 10s));
    ::kill(load, SIGINT);
    CHECK(wait_status(load) == 130);
    auto report = slurp(d.path / "load.txt");
    CHECK(report.find("interrupted after ") != std::string::npos);
    CHECK(report.find("of 60 s") != std::string::npos);
    CHECK(slurp(d.path / "l.err").find("note: interrupted after") != std::string::npos);
    for (const auto& name : d.names()) CHECK_MESSAGE(name.find(".tmp.") == std::string::npos, name);
    ::kill(server, SIGTERM);
    wait_status(server);
}

TEST_CASE("worker-crash shows failed requests on every run and still completes" * doctest::test_suite("slow")) {
    for (int run = 0; run < 5; ++run) {
        CAPTURE(run);
        auto r = run_lab({"scenario", "worker-crash", "--format", "json"}, 60);
        CHECK(r.exit_code == 0);  // its failures are its lesson: expect_failures
        auto arm = nlohmann::json::parse(r.out)["arms"][0];
        int failed = 0;
        for (const auto& [kind, n] : arm["errors"].items()) failed += n.get<int>();
        CHECK(failed > 0);
        CHECK(arm["verdict"] == "partial");
        CHECK(arm["ok"].get<int>() + failed == 40);
    }
}

TEST_CASE("a copied checkout reads and writes its own files — not the original's") {
    temp_dir d("copy");
    fs::create_directories(d.path / "build/bin");
    fs::create_directories(d.path / "scenarios");
    fs::create_directories(d.path / "results");
    const fs::path source = fs::path(DOCS_DIR).parent_path();
    fs::copy_file(LAB_BINARY, d.path / "build/bin/concurrency-lab");
    fs::copy_file(source / "scenarios/blocking-async.toml", d.path / "scenarios/blocking-async.toml");
    fs::copy_file(source / "scenarios/blocking-async.toml", d.path / "scenarios/only-in-the-copy.toml");
    const auto original = slurp(source / "results/baseline.json");
    const auto copy = (d.path / "build/bin/concurrency-lab").string();
    auto list = run_binary(copy, {"list"});
    CHECK(list.out.find("only-in-the-copy") != std::string::npos);
    auto record = run_binary(copy, {"check", "--record", "--scenarios", "only-in-the-copy"}, 60);
    CAPTURE(record.out);
    CHECK(record.exit_code == 0);
    CHECK(slurp(d.path / "results/baseline.json").find("only-in-the-copy/") != std::string::npos);
    CHECK(slurp(source / "results/baseline.json") == original);
}

TEST_CASE("a bad arm anywhere in a file starts no server — not even for the good arms before it") {
    temp_dir d("bad-arm");
    write(d.path / "half-good.toml", R"(title = "a long good arm, then a bad one"
lesson = "The whole file is read before any server starts."
[[arms]]
name = "long"
route = "/blocking"
requests = 10
ms = 5000
[[arms]]
name = "bad"
route = "/nowhere"
)");
    auto marker = unique_env_marker();
    auto r = run_lab({"scenario", (d.path / "half-good.toml").string()}, 20, {marker});  // the good arm alone takes 50 s
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("half-good.toml:10: arms[1].route: unknown route") != std::string::npos);
    CHECK(count_processes_with_env(marker) == 0);
}

TEST_CASE("check --record writes no baseline when a ratio is outside its bounds") {
    temp_dir d("refuse");
    const auto baseline = d.path / "baseline.json";
    auto r = run_lab({"check", "--record", "--scenarios", std::string(TEST_DATA_DIR) + "/broken-expectation.toml",
                      "--baseline", baseline.string()},
                     60);
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("baseline not written: a ratio is outside its bounds") != std::string::npos);
    CHECK(d.name_set().empty());  // neither the file nor a temporary one
}

TEST_CASE("serve warns when it binds beyond loopback") {
    temp_dir d("host");
    pid_t server = start_lab_logged({"serve", "--host", "0.0.0.0", "--port", "0"}, (d.path / "out").string(),
                                    (d.path / "err").string());
    REQUIRE(wait_for([&] { return slurp(d.path / "err").find("listening on") != std::string::npos; }, 10s));
    CHECK(slurp(d.path / "err").find("note: binding 0.0.0.0 — reachable from other machines") != std::string::npos);
    ::kill(server, SIGTERM);
    wait_status(server);
}

TEST_CASE("a scenario that needs more connections than the open-file limit allows is refused before it runs") {
    auto r = run_binary("/bin/sh", {"-c", std::string("ulimit -n 256 && exec ") + LAB_BINARY + " scenario c10k"}, 30);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("open files per process (hard limit)") != std::string::npos);
    CHECK(r.err.find("needs about") != std::string::npos);
}

TEST_CASE("--out /dev/stdout adds to what stdout is open on — and --out may not be the scenario file") {
    temp_dir d("stdout");
    const auto log = d.path / "app.log";
    write(log, "line1\n");
    auto r = run_binary("/bin/sh", {"-c", std::string(LAB_BINARY) + " scenario nonblocking-async --requests 2 --ms 20 "
                                          "--format csv --out /dev/stdout >> " + log.string()}, 30);
    CHECK(r.exit_code == 0);
    const auto text = slurp(log);
    CHECK(text.starts_with("line1\nscenario,arm,kind,"));
    const auto scenario = d.path / "self.toml";
    fs::copy_file(std::string(DOCS_DIR) + "/../scenarios/blocking-async.toml", scenario);
    const auto before = slurp(scenario);
    auto self = run_lab({"scenario", scenario.string(), "--out", scenario.string()}, 20);
    CHECK(self.exit_code == 2);
    CHECK(self.err.find("is the scenario file this run reads") != std::string::npos);
    CHECK(slurp(scenario) == before);
}

TEST_CASE("a target's strings cannot smuggle headers — shell words or bad names — and its url and cwd are checked") {
    temp_dir d("target-input");
    const std::string head = "title = \"x\"\nlesson = \"y\"\n";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"[target]\nurl = \"http://127.0.0.1:9\"\n[[arms]]\nname = \"a\"\npath = \"/h HTTP/1.1\\r\\nX-Evil: 1\"\n",
         "arms[0].path: contains a control character (U+000D)"},
        {"[target]\ncommand = [\"/bin/true\"]\nready = \"/r\\r\\nX: 1\"\n[[arms]]\nname = \"a\"\npath = \"/\"\n",
         "target.ready: contains a control character (U+000D)"},
        {"[target]\ncommand = [\"/bin/true\"]\nneeds = [\"x; touch /tmp/pwned\"]\n[[arms]]\nname = \"a\"\npath = \"/\"\n",
         "target.needs: 'x; touch /tmp/pwned' is not a Debian package name"},
        {"[target]\ncommand = [\"/bin/true\"]\nenv = { \"A=B\" = \"c\" }\n[[arms]]\nname = \"a\"\npath = \"/\"\n",
         "target.env: 'A=B' is not a variable name"},
        {"[target]\ncommand = [\"/bin/true\"]\ncwd = \"/no/such/dir\"\n[[arms]]\nname = \"a\"\npath = \"/\"\n",
         "target.cwd: no such folder /no/such/dir"},
        {"[target]\nurl = \"http://127.0.0.1:0\"\n[[arms]]\nname = \"a\"\npath = \"/\"\n", "target.url: bad port '0'"},
        {"[target]\nurl = \"http://127.0.0.1:9/prefix\"\n[[arms]]\nname = \"a\"\npath = \"/\"\n",
         "target.url: must be http[s]://host:port only"},
    };
    for (const auto& [body, says] : cases) {
        write(d.path / "t.toml", head + body);
        auto r = run_lab({"scenario", (d.path / "t.toml").string()}, 20);
        CAPTURE(body);
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("t.toml:") != std::string::npos);
        CHECK(r.err.find(says) != std::string::npos);
    }
    CHECK_FALSE(fs::exists("/tmp/pwned"));
}

TEST_SUITE_END();
