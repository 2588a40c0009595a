// Services (DESIGN.md §10, issue 31): a throwaway PostgreSQL cluster started before the target
// and stopped after it, on every path, with nothing left — no process, no folder, no socket file —
// and the notes' three ways of calling a database, on Debian's real drivers under the real
// FastAPI app (examples/fastapi/db_app.py).
#include "run_command.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

TEST_SUITE_BEGIN("integration");

namespace fs = std::filesystem;
using namespace lab::test;
using namespace std::chrono_literals;

namespace {

const fs::path repo = fs::path(DOCS_DIR).parent_path();

// A TMPDIR of the test's own: whatever the lab makes there (the cluster's folder, its socket,
// the probe's folder) must be gone when the lab is.
struct own_tmp {
    fs::path dir = fs::temp_directory_path() / ("lab-services-" + std::to_string(::getpid()));
    own_tmp() {
        fs::remove_all(dir);
        fs::create_directories(dir);
        fs::permissions(dir, fs::perms::all);  // postgres, dropped to its own user, makes its folder here
    }
    ~own_tmp() { fs::remove_all(dir); }
    bool empty() const { return fs::is_empty(dir); }
    bool holds_postgres_socket() const {
        std::error_code ec;
        for (const auto& d : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec))
            if (d.path().filename().string().starts_with(".s.PGSQL")) return true;
        return false;
    }
};

std::string listing(const fs::path& dir) {
    std::string out;
    std::error_code ec;
    for (const auto& d : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec))
        out += d.path().string() + "\n";
    return out;
}

// A scenario of the notes' three rows (a blocking call in async def, the same in def, the async
// library), run with the test's marker and TMPDIR: its JSON, each row's verdict checked, and the
// blocking row well above the async one.
nlohmann::json three_rows(const std::string& scenario, const own_tmp& tmp, const std::string& marker) {
    auto r = run_lab({"scenario", (repo / "scenarios" / scenario).string(), "--format", "json"}, 180,
                     {marker, "TMPDIR=" + tmp.dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    const auto& arms = doc["arms"];
    // The real app's three rows, then the lab's C++ model of each beside them, in the same order.
    for (std::size_t first : {0u, 3u}) {
        CAPTURE(first);
        CHECK(arms[first]["verdict"] == "serialized");
        CHECK(arms[first + 1]["verdict"] == "pool");
        CHECK(arms[first + 2]["verdict"] == "concurrent");
        // Ten calls of 100 ms held the loop one after another: about ten times the async row's wall.
        CHECK(arms[first]["wall_ms"].get<double>() > 4 * arms[first + 2]["wall_ms"].get<double>());
    }
    CHECK(arms[3]["target"] == "lab");
    return doc;
}

}  // namespace

TEST_CASE("a sync driver serializes — the same in def overlaps — an async driver overlaps: real PostgreSQL under FastAPI") {
    own_tmp tmp;
    const auto marker = unique_env_marker();
    const auto doc = three_rows("db-drivers.toml", tmp, marker);
    const auto& arms = doc["arms"];
    // The probe names the driver call that froze the loop, at its line of db_app.py.
    REQUIRE(arms[0]["blocked"]["places"].size() >= 1);
    const auto& top = arms[0]["blocked"]["places"][0];
    CHECK(top["file"].get<std::string>().ends_with("db_app.py"));
    CHECK(top["code"].get<std::string>().find("execute") != std::string::npos);
    INFO(listing(tmp.dir));
    CHECK(tmp.empty());  // the cluster's folder, its socket and the probe's folder are gone
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 5s));
}

TEST_CASE("db-pool: 40 def requests through SQLAlchemy's default pool go in three waves of 15 — a short pool_timeout fails them with the pool's words") {
    own_tmp tmp;
    auto r = run_lab({"scenario", (repo / "scenarios/db-pool.toml").string(), "--format", "json"}, 180,
                     {"TMPDIR=" + tmp.dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& pool = doc["arms"][0];
    CHECK(pool["ok"] == 40);
    CHECK(pool["waves"] == nlohmann::json::array({15, 15, 10}));
    CHECK(pool["verdict"] == "pool");
    const auto& short_timeout = doc["arms"][1];
    const int refused = short_timeout["statuses"].value("503", 0);
    CHECK(refused >= 20);  // only the first wave's 15 got a connection within 0.1 s
    CHECK(short_timeout["ok"].get<int>() + refused == 40);
    CHECK(short_timeout["failure_bodies"]["503"].get<std::string>().find("QueuePool limit of size 5 overflow 10 reached") !=
          std::string::npos);
    // The lab's model beside it: libpq on 40 threads sharing 15 connections, the same waves, its waits counted.
    const auto& lab = doc["arms"][2];
    CHECK(lab["waves"] == nlohmann::json::array({15, 15, 10}));
    CHECK(lab["verdict"] == "pool");
    CHECK(lab["db_pool"]["connections"] == 15);
    CHECK(lab["db_pool"]["waits"] == 25);
    CHECK(tmp.empty());
}

TEST_CASE("a postgres service goes down whole on SIGINT — SIGTERM — SIGHUP — SIGKILL of the driver: no process and no folder left") {
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGKILL}) {
        CAPTURE(sig);
        own_tmp tmp;
        const auto marker = unique_env_marker();
        const pid_t lab = start_lab({"scenario", (repo / "scenarios/db-pool.toml").string(), "--format", "json"},
                                    {marker, "TMPDIR=" + tmp.dir.string()});
        // Once the cluster listens (its socket file is there) and the target runs.
        REQUIRE(wait_for([&] { return tmp.holds_postgres_socket(); }, 60s));
        std::this_thread::sleep_for(1500ms);
        ::kill(lab, sig);
        int status = 0;
        REQUIRE(wait_for([&] { return ::waitpid(lab, &status, WNOHANG) == lab; }, 30s));
        CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 10s));
        INFO(listing(tmp.dir));
        CHECK(wait_for([&] { return tmp.empty(); }, 10s));
    }
}

TEST_CASE("a command service lends {NAME_url}: a blocking HTTP client in async def serializes — httpx overlaps — the downstream goes after") {
    own_tmp tmp;
    const auto marker = unique_env_marker();
    const auto doc = three_rows("http-calls.toml", tmp, marker);
    const auto& arms = doc["arms"];
    CHECK(arms[0]["ok"] == 10);
    REQUIRE(arms[0]["blocked"]["places"].size() >= 1);
    CHECK(arms[0]["blocked"]["places"][0]["code"].get<std::string>().find("urlopen") != std::string::npos);
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 5s));  // the downstream too
    CHECK(tmp.empty());
}

TEST_CASE("cheat-sheet: every row of advice a driver or a client decides held on one FastAPI app — the lab's model beside each") {
    own_tmp tmp;
    const auto marker = unique_env_marker();
    auto r = run_lab({"scenario", "cheat-sheet", "--format", "json"}, 240, {marker, "TMPDIR=" + tmp.dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    int rows = 0, lab_arms = 0;
    for (const auto& arm : doc["arms"]) {
        CAPTURE(arm["name"].get<std::string>());
        if (arm.contains("advice")) {
            ++rows;
            CHECK(arm["advice_held"] == true);
            CHECK(arm["verdict"] == arm["model"]);
        } else {
            ++lab_arms;
            CHECK(arm["target"] == "lab");
            CHECK(arm["verdict"] != "failed");
        }
    }
    CHECK(rows == 7);
    CHECK(lab_arms == 7);
    // The probe named each mistake's own line: time.sleep, psycopg's execute, urllib's urlopen.
    std::string named;
    for (const auto& arm : doc["arms"])
        if (arm.contains("blocked") && !arm["blocked"]["places"].empty()) named += arm["blocked"]["places"][0]["code"].get<std::string>() + "\n";
    CHECK(named.find("time.sleep") != std::string::npos);
    CHECK(named.find("execute") != std::string::npos);
    CHECK(named.find("urlopen") != std::string::npos);
    CHECK(wait_for([&] { return count_processes_with_env(marker) == 0; }, 5s));
    CHECK(tmp.empty());
}
