// libFuzzer target: any bytes through lab::fuzz::query (fuzz/targets.hpp), which says what it
// exercises and what counts as the expected answer to bad input.
#include "targets.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lab::fuzz::query(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
