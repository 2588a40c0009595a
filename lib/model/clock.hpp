#pragma once
// One clock for client and server: CLOCK_MONOTONIC is shared by every process on the
// machine, so a server's handler times and a client's request times share one axis.
#include <cstdint>
#include <ctime>

namespace lab {

inline std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace lab
