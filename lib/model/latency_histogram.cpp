#include "model/latency_histogram.hpp"

#include <algorithm>
#include <boost/histogram.hpp>
#include <cmath>

namespace lab {

namespace bh = boost::histogram;

namespace {

// 1500 log-spaced bins over nine decades: each bin is 10^(9/1500) ≈ 1.0139 times its lower edge.
using log_axis = bh::axis::regular<double, bh::axis::transform::log>;
constexpr unsigned bins = 1500;
constexpr double lowest_ms = 1e-3, highest_ms = 1e6;

}  // namespace

// unlimited_storage keeps each cell as small as its count allows (a byte until it passes 255),
// so a mostly empty histogram per second of a long run stays small.
struct latency_histogram::impl {
    bh::histogram<std::tuple<log_axis>, bh::unlimited_storage<>> h{
        std::make_tuple(log_axis(bins, lowest_ms, highest_ms)), bh::unlimited_storage<>()};
};

latency_histogram::latency_histogram() = default;
latency_histogram::~latency_histogram() = default;
latency_histogram::latency_histogram(latency_histogram&&) noexcept = default;
latency_histogram& latency_histogram::operator=(latency_histogram&&) noexcept = default;

latency_histogram::latency_histogram(const latency_histogram& other)
    : impl_(other.impl_ ? std::make_unique<impl>(*other.impl_) : nullptr),
      count_(other.count_), min_(other.min_), max_(other.max_) {}

latency_histogram& latency_histogram::operator=(const latency_histogram& other) {
    if (this != &other) *this = latency_histogram(other);
    return *this;
}

void latency_histogram::add(double ms) {
    if (!impl_) impl_ = std::make_unique<impl>();
    impl_->h(ms);
    min_ = count_ ? std::min(min_, ms) : ms;
    max_ = count_ ? std::max(max_, ms) : ms;
    ++count_;
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other.count_ == 0) return;
    if (!impl_) impl_ = std::make_unique<impl>();
    impl_->h += other.impl_->h;
    min_ = count_ ? std::min(min_, other.min_) : other.min_;
    max_ = count_ ? std::max(max_, other.max_) : other.max_;
    count_ += other.count_;
}

double latency_histogram::quantile(double p) const {
    if (count_ == 0) return 0;
    const auto rank = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))), 1, count_);
    std::uint64_t seen = 0;
    for (auto&& cell : bh::indexed(impl_->h, bh::coverage::all)) {
        seen += static_cast<std::uint64_t>(*cell);
        if (seen < rank) continue;
        const auto bin = cell.bin();
        // Under- and overflow hold values off the axis: the exact extremes stand in for them.
        if (cell.index(0) < 0) return min_;
        if (cell.index(0) >= static_cast<int>(bins)) return max_;
        return std::clamp(std::sqrt(bin.lower() * bin.upper()), min_, max_);
    }
    return max_;
}

}  // namespace lab
