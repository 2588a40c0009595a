// The design's rules that a reader of the code can check, checked: who may include whom
// (DESIGN.md §5, drawn in docs/architecture.md), and the concepts spelled once (§7) — route
// paths only in the route table, the longest handler duration only beside it.
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace {

namespace fs = std::filesystem;

const fs::path root = fs::path(SOURCE_DIR);

std::string read(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every .cpp and .hpp under lib/ and apps/, as "lib/load/x.cpp".
std::vector<std::string> sources() {
    std::vector<std::string> out;
    for (const char* top : {"lib", "apps"})
        for (const auto& entry : fs::recursive_directory_iterator(root / top))
            if (entry.path().extension() == ".cpp" || entry.path().extension() == ".hpp")
                out.push_back(fs::relative(entry.path(), root).generic_string());
    return out;
}

// Each line with its // comment cut off: a comment may name a route, code may not.
std::string code_of(const std::string& text) {
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto comment = line.find("//");
        out += (comment == std::string::npos ? line : line.substr(0, comment)) + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("a lib folder includes only the folders below it") {
    // DESIGN.md §5 and §7: arrows point down; model includes nothing of ours.
    const std::map<std::string, std::set<std::string>> may{
        {"model", {}},
        {"net", {"model"}},
        {"workload", {"model"}},
        {"process", {"model"}},
        {"output", {"model", "process"}},
        {"analysis", {"model"}},
        {"report", {"model", "analysis"}},
        {"check", {"model", "analysis", "report"}},
        {"db", {"model", "net"}},
        // The server's /http routes call a downstream with the load side's one-GET client.
        {"server", {"model", "net", "workload", "db", "load"}},
        {"load", {"model", "net"}},
        {"scenario", {"model", "net", "workload", "process", "analysis", "report", "check", "load"}},
    };
    const std::regex include(R"re(#include "([a-z_]+)/)re");
    int files = 0;
    for (const auto& file : sources()) {
        if (!file.starts_with("lib/")) continue;
        const std::string folder = file.substr(4, file.find('/', 4) - 4);
        REQUIRE_MESSAGE(may.contains(folder), file);
        ++files;
        const std::string text = read(root / file);
        for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
            const std::string used = (*it)[1];
            CHECK_MESSAGE((used == folder || may.at(folder).contains(used)), file << " includes " << used << "/");
        }
    }
    CHECK(files > 50);
}

TEST_CASE("route paths are spelled in the route table alone") {
    const std::regex path(R"re("/(health|blocking|async|pool|cpu|tasks|crash|metrics)\b)re");
    std::set<std::string> spelling;
    for (const auto& file : sources())
        if (std::regex_search(code_of(read(root / file)), path)) spelling.insert(file);
    CHECK(spelling == std::set<std::string>{"lib/model/routes.cpp"});
}

TEST_CASE("the longest handler duration is written once") {
    const std::regex limit(R"(60'000|60000)");
    std::set<std::string> spelling;
    for (const auto& file : sources())
        if (std::regex_search(code_of(read(root / file)), limit)) spelling.insert(file);
    CHECK(spelling == std::set<std::string>{"lib/model/routes.hpp"});
}

TEST_SUITE_END();
