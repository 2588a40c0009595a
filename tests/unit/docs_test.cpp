// The documentation cannot drift from the code it describes: every key the scenario reader
// accepts has one row in docs/scenario-file.md, in the section where it may stand, and no row
// names a key the reader refuses.
#include "scenario/scenario_spec.hpp"

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
    CHECK(doc.keys.at("[defaults] and [[arms]]") == keys.arms);
    CHECK(doc.in_defaults == keys.defaults);
    CHECK(doc.keys.at("probe") == keys.probe);
    CHECK(doc.keys.at("[[expect]]") == keys.expect);
    CHECK(doc.keys.at("target") == keys.target);
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
