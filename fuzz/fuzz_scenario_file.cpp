// libFuzzer target: any bytes as a scenario file. A scenario_error is the expected answer
// to bad input; anything else (another exception, a crash, a sanitizer report) is a bug.
#include "scenario/scenario_spec.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        lab::parse_scenario(text, "fuzz.toml");
    } catch (const lab::scenario_error&) {
    }
    return 0;
}
