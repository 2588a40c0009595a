// Every fuzz seed and every input that once crashed a fuzz target, replayed through the very
// calls the targets make (fuzz/targets.hpp): bad input must end in the parser's own error.
#include "targets.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace fs = std::filesystem;

namespace {

std::vector<std::string> inputs(const std::string& target) {
    std::vector<std::string> out;
    for (const char* dir : {"corpus", "regressions"}) {
        const fs::path folder = fs::path(FUZZ_DIR) / dir / target;
        if (!fs::is_directory(folder)) continue;
        for (const auto& entry : fs::directory_iterator(folder)) {
            if (entry.path().filename().string().starts_with(".")) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        }
    }
    return out;
}

template <class Target>
void replay(const std::string& name, Target target, std::size_t at_least) {
    auto all = inputs(name);
    CAPTURE(name);
    CHECK(all.size() >= at_least);
    for (const auto& input : all) target(input);
}

}  // namespace

TEST_CASE("fuzz inputs never crash the parsers") {
    replay("scenario_file", lab::fuzz::scenario_file, 10);
    replay("query", lab::fuzz::query, 5);
    replay("response", lab::fuzz::response, 5);
    replay("url", lab::fuzz::url, 5);
    replay("baseline", lab::fuzz::baseline, 3);
    replay("request", lab::fuzz::request, 5);
    // The shipped scenarios are among the seeds, and they are valid.
    int parsed = 0;
    for (const auto& text : inputs("scenario_file")) {
        try {
            lab::parse_scenario(text, "replay.toml");
            ++parsed;
        } catch (const lab::scenario_error&) {
        }
    }
    CHECK(parsed >= 1);
}

TEST_SUITE_END();
