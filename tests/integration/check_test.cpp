// `check`: expectations, the baseline, re-measuring, JUnit output, exit codes.
#include "run_command.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("lab-check-" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
};

const std::string data = TEST_DATA_DIR;

}  // namespace

TEST_CASE("check passes on the core scenarios — records a baseline and compares with it") {
    temp_dir dir;
    auto baseline = (dir.path / "baseline.json").string();
    auto junit = (dir.path / "check.xml").string();
    auto rec = run_lab({"check", "--scenarios", "nonblocking-async,sync-threadpool", "--baseline", baseline, "--record"},
                       120);
    INFO(rec.out);
    REQUIRE(rec.exit_code == 0);
    auto doc = nlohmann::json::parse(std::ifstream(baseline));
    CHECK(doc["machine"]["cores"].get<int>() >= 1);
    for (const char* key : {"kernel", "compiler", "date"}) CHECK(doc["machine"].contains(key));
    CHECK(doc["ratios"].contains("nonblocking-async/handlers overlap"));

    auto again = run_lab({"check", "--scenarios", "nonblocking-async,sync-threadpool", "--baseline", baseline,
                          "--junit", junit}, 120);
    INFO(again.out);
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("\ncheck: 4 passed, 0 failed\n") != std::string::npos);

    // JUnit: <testsuites><testsuite tests=4 failures=0><testcase classname name>…
    boost::property_tree::ptree xml;
    boost::property_tree::read_xml(junit, xml);
    const auto& suite = xml.get_child("testsuites.testsuite");
    CHECK(suite.get<int>("<xmlattr>.tests") == 4);
    CHECK(suite.get<int>("<xmlattr>.failures") == 0);
    int cases = 0;
    for (const auto& [tag, tc] : suite) {
        if (tag != "testcase") continue;
        ++cases;
        CHECK_FALSE(tc.get<std::string>("<xmlattr>.classname").empty());
        CHECK_FALSE(tc.get<std::string>("<xmlattr>.name").empty());
        CHECK_FALSE(tc.get_child_optional("failure").is_initialized());
    }
    CHECK(cases == 4);
}

TEST_CASE("a broken expectation fails after one re-measure and is named") {
    temp_dir dir;
    auto junit = (dir.path / "check.xml").string();
    auto r = run_lab({"check", "--scenarios", data + "/broken-expectation.toml", "--baseline",
                      (dir.path / "none.json").string() + "-absent", "--junit", junit}, 60);
    // a named --baseline that does not exist is an input error...
    CHECK(r.exit_code == 2);
    r = run_lab({"check", "--scenarios", data + "/broken-expectation.toml", "--junit", junit}, 60);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("impossible: faster than the floor") != std::string::npos);
    CHECK(r.out.find("FAIL (re-measured)") != std::string::npos);
    CHECK(r.out.find("  2 ratios were re-measured once after a first miss.\ncheck: 1 passed, 1 failed\n") != std::string::npos);
    boost::property_tree::ptree xml;
    boost::property_tree::read_xml(junit, xml);
    const auto& suite = xml.get_child("testsuites.testsuite");
    CHECK(suite.get<int>("<xmlattr>.failures") == 1);
    int failures = 0;
    for (const auto& [tag, tc] : suite)
        if (tag == "testcase" && tc.get_child_optional("failure")) {
            ++failures;
            CHECK(tc.get<std::string>("<xmlattr>.name") == "impossible: faster than the floor");
            CHECK(tc.get<std::string>("failure.<xmlattr>.message").find("async.wall_over_ideal = ") == 0);
        }
    CHECK(failures == 1);
}

TEST_CASE("a baseline edited to an impossible ratio fails and names the ratio") {
    temp_dir dir;
    auto baseline = (dir.path / "baseline.json").string();
    std::ofstream(baseline) << R"({"ratios": {"nonblocking-async/handlers overlap": {"ratio": "async.server_overlap", "value": 100.0, "tolerance": 0.1}}})";
    auto r = run_lab({"check", "--scenarios", "nonblocking-async", "--baseline", baseline}, 60);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("handlers overlap") != std::string::npos);
    CHECK(r.out.find("100.000 ± 10%") != std::string::npos);
}

TEST_CASE("a corrupt baseline is an input error naming the file and the reason") {
    temp_dir dir;
    auto baseline = (dir.path / "baseline.json").string();
    std::ofstream(baseline) << "{ not json";
    auto r = run_lab({"check", "--scenarios", "nonblocking-async", "--baseline", baseline}, 60);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("concurrency-lab: error: " + baseline + ": not a baseline: ") == 0);
    std::ofstream(baseline, std::ios::trunc) << R"({"ratios": {"x/y": {"value": -1}}})";
    r = run_lab({"check", "--scenarios", "nonblocking-async", "--baseline", baseline}, 60);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(baseline + ": ratios.x/y: value and tolerance must be positive") != std::string::npos);
}

TEST_CASE("check refuses bad input before running anything") {
    auto r = run_lab({"check", "--scenarios", "no-such"}, 20);
    CHECK(r.exit_code == 2);
    r = run_lab({"check", "--scenarios", data + "/bad/bad_expect.toml"}, 20);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad_expect.toml:10: expect[0].ratio: 'a.wall' has units (ms)") != std::string::npos);
    // Two files that are one scenario by name would share (and overwrite) baseline entries.
    temp_dir dir;
    fs::create_directories(dir.path / "a");
    fs::create_directories(dir.path / "b");
    const fs::path core = fs::path(DOCS_DIR).parent_path() / "scenarios/blocking-async.toml";
    fs::copy_file(core, dir.path / "a/twin.toml");
    fs::copy_file(core, dir.path / "b/twin.toml");
    r = run_lab({"check", "--scenarios", (dir.path / "a/twin.toml").string() + "," + (dir.path / "b/twin.toml").string(),
                 "--record", "--baseline", (dir.path / "base.json").string()},
                20);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("are both scenario 'twin': their ratios would share baseline entries") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "base.json"));
}

TEST_SUITE_END();
