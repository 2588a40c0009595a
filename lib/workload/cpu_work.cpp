#include "workload/cpu_work.hpp"

#include "model/clock.hpp"
#include "workload/gil.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace lab {

namespace {

std::int64_t thread_cpu_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double roots(std::uint64_t from, std::uint64_t to) {
    double sum = 0;
    for (std::uint64_t i = from; i < to; ++i) sum += std::sqrt(static_cast<double>(i));
    return sum;
}

// Small enough that a holder notices a waiter well inside one switch interval.
constexpr std::uint64_t chunk = 1 << 14;

}  // namespace

cpu_result sum_of_roots(std::uint64_t n, gil* lock) {
    const auto cpu_start = thread_cpu_ns();
    cpu_result result;
    if (!lock) {
        result.sum = roots(0, n);
    } else {
        const auto interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(lock->switch_interval()).count();
        lock->acquire();
        auto slice_start = monotonic_ns();
        for (std::uint64_t i = 0; i < n; i += chunk) {
            result.sum += roots(i, std::min(n, i + chunk));
            if (monotonic_ns() - slice_start >= interval_ns && lock->contended()) {
                // Drop request honoured: go to the back of the queue, as CPython's
                // FORCE_SWITCHING makes the holder wait until another thread ran.
                lock->release();
                lock->count_handover();
                lock->acquire();
                slice_start = monotonic_ns();
            }
        }
        lock->release();
    }
    result.cpu_ns = thread_cpu_ns() - cpu_start;
    return result;
}

calibration calibrate_cpu(double target_ms) {
    auto time_ms = [](std::uint64_t n) {
        auto t0 = monotonic_ns();
        volatile double sink = sum_of_roots(n).sum;
        (void)sink;
        return static_cast<double>(monotonic_ns() - t0) / 1e6;
    };
    std::uint64_t n = 1 << 16;
    double ms = time_ms(n);
    while (ms < 20 && n < max_cpu_n / 2) ms = time_ms(n *= 2);
    auto scaled = [&](double measured) {
        return std::clamp<std::uint64_t>(
            static_cast<std::uint64_t>(static_cast<double>(n) * target_ms / std::max(measured, 1e-3)), 1, max_cpu_n);
    };
    n = scaled(ms);
    // One check at full size, then a last correction: frequency scaling makes short trials optimistic.
    ms = time_ms(n);
    n = scaled(ms);
    return {n, target_ms, time_ms(n)};
}

}  // namespace lab
