#pragma once
// The notes' cpu_intensive(): Σ√i for i < n. The sum is returned and reported, so the
// compiler cannot drop the loop.
#include <cstdint>

namespace lab {

class gil;

struct cpu_result {
    double sum = 0;
    std::int64_t cpu_ns = 0;  // CPU time of the calling thread spent on it
};

// Without a gil the work runs straight through; with one it runs only while holding it,
// handing it over every switch interval when another thread waits.
cpu_result sum_of_roots(std::uint64_t n, gil* lock = nullptr);

// The largest n accepted by /cpu: about half a minute of work on a current core.
inline constexpr std::uint64_t max_cpu_n = 20'000'000'000ULL;

// n such that sum_of_roots(n) takes about target_ms on this machine, and what it measured.
struct calibration {
    std::uint64_t n = 0;
    double target_ms = 0;
    double measured_ms = 0;
};
calibration calibrate_cpu(double target_ms);

}  // namespace lab
