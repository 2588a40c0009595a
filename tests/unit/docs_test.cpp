// The documentation cannot drift from the code it describes: every key the scenario reader
// accepts has one row in docs/scenario-file.md, in the section where it may stand, and no row
// names a key the reader refuses.
#include "model/client_knobs.hpp"
#include "model/knobs.hpp"
#include "model/routes.hpp"
#include "scenario/scenario_spec.hpp"

#include <fmt/format.h>

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace {

std::string read_doc(const std::string& name) {
    std::ifstream in(std::string(DOCS_DIR) + "/" + name);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Section heading → the backticked first cells of its table rows, and for the arms table
// the keys whose "where" column says "both" (they may stand in [defaults] too).
struct documented {
    std::map<std::string, std::set<std::string>> keys;
    std::set<std::string> in_defaults;
};

documented keys_in(const std::string& doc) {
    documented out;
    std::string section;
    std::istringstream lines(doc);
    const std::regex row(R"(^\| `([a-z_]+)` \|(.*)$)");
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("## ")) section = line.substr(3);
        std::smatch m;
        if (!std::regex_match(line, m, row)) continue;
        out.keys[section].insert(m[1]);
        if (m[2].str().find("| both |") != std::string::npos) out.in_defaults.insert(m[1]);
    }
    return out;
}

}  // namespace

TEST_CASE("docs/scenario-file.md lists exactly the keys the reader accepts") {
    const auto doc = keys_in(read_doc("scenario-file.md"));
    const auto& keys = lab::scenario_keys();
    CHECK(doc.keys.at("Top level") == keys.top);
    // The server's knobs have a section of their own; each may stand in [defaults] and in an arm.
    auto arms = doc.keys.at("[defaults] and [[arms]]");
    auto in_defaults = doc.in_defaults;
    for (const auto& knob : doc.keys.at("The server's knobs")) {
        arms.insert(knob);
        in_defaults.insert(knob);
    }
    CHECK(arms == keys.arms);
    CHECK(in_defaults == keys.defaults);
    CHECK(doc.keys.at("probe") == keys.probe);
    CHECK(doc.keys.at("[[expect]]") == keys.expect);
    CHECK(doc.keys.at("target") == keys.target);
    CHECK(doc.keys.at("services") == keys.services);
}

// Each knob's row says what the knob table (model/knobs.cpp) does: its flag, range and default.
TEST_CASE("docs/scenario-file.md gives each server knob the flag and range and default of the knob table") {
    const std::string doc = read_doc("scenario-file.md");
    const auto from = doc.find("## The server's knobs");
    REQUIRE(from != std::string::npos);
    const std::string section = doc.substr(from, doc.find("\n## ", from + 1) - from);
    const lab::server_config defaults;
    int rows = 0;
    for (const auto& knob : lab::server_knobs()) {
        if (knob.key.empty()) {
            CHECK_MESSAGE(section.find("`" + knob.flag + "`") != std::string::npos, knob.flag);  // said to be the runner's
            continue;
        }
        const std::regex row("\\| `" + knob.key + "` \\| `([^`]+)` \\| [^|]+ \\| ([^|]+) \\| ([^|]+) \\|");
        std::smatch m;
        REQUIRE_MESSAGE(std::regex_search(section, m, row), knob.key);
        ++rows;
        CHECK(m[1].str() == knob.flag);
        const bool boolean = std::holds_alternative<bool lab::server_config::*>(knob.member);
        // A string knob's range is prose (what it takes), its default "none" (the empty string).
        if (std::holds_alternative<std::string lab::server_config::*>(knob.member)) {
            CHECK(m[3].str() == "none");
            continue;
        }
        CHECK(m[2].str() == (boolean ? "`true`, `false`" : fmt::format("{} … {}", knob.min, knob.max)));
        CHECK(m[3].str().starts_with(lab::knob_value(knob, defaults)));
    }
    CHECK(rows == 13);
}

// docs/cli.md's serve table: a row per flag of the knob table, with its range.
TEST_CASE("docs/cli.md gives each serve flag of the knob table its row and range") {
    const std::string doc = read_doc("cli.md");
    for (const auto& knob : lab::server_knobs()) {
        const std::regex row("\\| `" + knob.flag + "` \\| ([^|]+) \\|");
        std::smatch m;
        REQUIRE_MESSAGE(std::regex_search(doc, m, row), knob.flag);
        if (std::holds_alternative<int lab::server_config::*>(knob.member))
            CHECK_MESSAGE(m[1].str().ends_with(fmt::format("{} … {}", knob.min, knob.max)), knob.flag);
    }
}

// docs/models.md's route list names every route of the route table with the table's method.
TEST_CASE("docs/models.md lists every route of the route table with its method") {
    const std::string doc = read_doc("models.md");
    const auto from = doc.find("## The server's routes");
    REQUIRE(from != std::string::npos);
    const std::string section = doc.substr(from, doc.find("\n## ", from + 1) - from);
    for (const auto& r : lab::route_table()) {
        const std::string named = "`" + std::string(lab::to_string(r.method)) + " " + std::string(r.path);
        CHECK_MESSAGE(section.find(named) != std::string::npos, named);
    }
}

// ctest runs each case as `--test-case=NAME`, where doctest splits a name at ','; and CMake
// splits a list at ';'. A name with either would run no case at all, or the wrong ones.
TEST_CASE("no test case name holds a comma or a semicolon") {
    const std::regex name(R"re(TEST_CASE\("((?:[^"\\]|\\.)*)")re");
    int cases = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(TESTS_DIR)) {
        if (!entry.path().string().ends_with("_test.cpp")) continue;
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
            ++cases;
            const std::string n = (*it)[1];
            const std::string where = entry.path().filename().string() + ": " + n;
            CHECK_MESSAGE(n.find_first_of(",;") == std::string::npos, where);
        }
    }
    CHECK(cases > 100);
}

TEST_SUITE_END();

// The client's knob table (model/client_knobs.cpp) is in both docs as the code renders it: a
// flag renamed, a range changed or a knob added fails here until the docs say so too. The
// expected text is printed, ready to paste between the markers.
TEST_CASE("docs/cli.md and docs/scenario-file.md carry the client knob table as the code renders it") {
    const std::string begin = "<!-- client knobs: generated from lib/model/client_knobs.cpp; a test holds it -->\n";
    const std::string end = "<!-- /client knobs -->";
    for (const char* name : {"cli.md", "scenario-file.md"}) {
        const auto doc = read_doc(name);
        const auto from = doc.find(begin), to = doc.find(end);
        INFO(name, " should carry, between its markers:\n", lab::client_knob_markdown());
        REQUIRE(from != std::string::npos);
        REQUIRE(to != std::string::npos);
        CHECK(doc.substr(from + begin.size(), to - from - begin.size()) == lab::client_knob_markdown());
    }
}

// Every client knob's scenario-file key is one the reader accepts, where the table says it stands.
TEST_CASE("each client knob's scenario-file key is a key the reader takes") {
    const auto& keys = lab::scenario_keys();
    for (const auto& knob : lab::client_knobs()) {
        if (knob.key.empty()) continue;
        INFO(knob.key);
        CHECK((knob.in_target ? keys.target : keys.arms).count(knob.key) == 1);
        CHECK(knob.flags.find("--") != std::string::npos);
    }
}
