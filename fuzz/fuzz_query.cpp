// libFuzzer target: any bytes as a request target, through everything a route does with it.
#include "server/query.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view target(reinterpret_cast<const char*>(data), size);
    auto parsed = lab::parse_target(target);
    if (!parsed) return 0;
    lab::parse_int_param(*parsed, "ms", 0, 60'000);
    lab::parse_int_param(*parsed, "n", 0, 20'000'000'000LL);
    parsed->find("on");
    return 0;
}
