// Every fuzz seed and every input that once crashed a fuzz target, replayed through the
// same calls the targets make: bad input must end in a scenario_error or a nullopt.
#include "scenario/scenario_spec.hpp"
#include "server/query.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

namespace fs = std::filesystem;

namespace {

std::vector<std::string> inputs(const std::string& target) {
    std::vector<std::string> out;
    for (const char* dir : {"corpus", "regressions"})
        for (const auto& entry : fs::directory_iterator(fs::path(FUZZ_DIR) / dir / target)) {
            if (entry.path().filename().string().starts_with(".")) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        }
    return out;
}

}  // namespace

TEST_CASE("fuzz inputs never crash the parsers") {
    auto scenario_inputs = inputs("scenario_file");
    CHECK(scenario_inputs.size() >= 10);
    int parsed = 0;
    for (const auto& text : scenario_inputs) {
        try {
            lab::parse_scenario(text, "replay.toml");
            ++parsed;
        } catch (const lab::scenario_error&) {
        }
    }
    CHECK(parsed >= 1);  // the shipped scenarios among the seeds are valid

    auto query_inputs = inputs("query");
    CHECK(query_inputs.size() >= 5);
    for (const auto& target : query_inputs)
        if (auto t = lab::parse_target(target)) lab::parse_int_param(*t, "ms", 0, 60'000);
}

TEST_SUITE_END();
