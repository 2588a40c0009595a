#pragma once
// Latencies folded into a histogram (Boost.Histogram, a log axis), for runs too long to keep
// every request: constant memory whatever the count, percentiles within a bounded relative
// error. Boost stays in the .cpp; this header is plain.
#include <cstdint>
#include <memory>

namespace lab {

class latency_histogram {
public:
    // Bins are 1.39 % wide on a log axis from 1 µs to 1000 s, and a quantile is its bin's
    // geometric centre: at most 0.7 % from the exact value (outside the axis: the exact min or max).
    static constexpr double relative_error = 0.007;

    latency_histogram();
    ~latency_histogram();
    latency_histogram(const latency_histogram& other);
    latency_histogram& operator=(const latency_histogram& other);
    latency_histogram(latency_histogram&&) noexcept;
    latency_histogram& operator=(latency_histogram&&) noexcept;

    void add(double ms);
    void merge(const latency_histogram& other);

    std::uint64_t count() const { return count_; }
    double min() const { return count_ ? min_ : 0; }
    double max() const { return count_ ? max_ : 0; }
    // Nearest rank, as the exact percentiles are taken: the value with at least p % of the
    // samples at or below it. 0 when empty.
    double quantile(double p) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;  // allocated on the first add: an empty histogram costs nothing
    std::uint64_t count_ = 0;
    double min_ = 0, max_ = 0;
};

}  // namespace lab
