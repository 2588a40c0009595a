#include "model/request_tally.hpp"

#include "model/records.hpp"

#include <algorithm>

namespace lab {

namespace {

constexpr double ns_per_ms = 1e6;

}  // namespace

void response_tally::add(int status, std::uint64_t body_bytes) {
    add_many(status, 1);
    add_body(body_bytes);
}

void response_tally::add_many(int status, std::int64_t n) {
    if (n > 0) statuses[status] += n;
}

void response_tally::add_body(std::uint64_t body_bytes) {
    body_min = bodies > 0 ? std::min(body_min, body_bytes) : body_bytes;
    body_max = std::max(body_max, body_bytes);
    body_sum += body_bytes;
    ++bodies;
}

void response_tally::merge(const response_tally& o) {
    for (const auto& [status, n] : o.statuses) statuses[status] += n;
    if (o.bodies == 0) return;
    body_min = bodies > 0 ? std::min(body_min, o.body_min) : o.body_min;
    body_max = std::max(body_max, o.body_max);
    body_sum += o.body_sum;
    bodies += o.bodies;
}

void folded_requests::add(const request_record& r) {
    ++count;
    bytes += r.bytes;
    if (r.status != 0) responses.add(r.status, r.body_bytes);
    last_end_ns = std::max(last_end_ns, r.end_ns);
    if (r.error != error_kind::none) {
        first_failure_ns = failures() > 0 ? std::min(first_failure_ns, r.end_ns) : r.end_ns;
        last_failure_ns = std::max(last_failure_ns, r.end_ns);
        ++errors[failure_index(r.error)];
        return;
    }
    const double ms = static_cast<double>(r.end_ns - r.start_ns) / ns_per_ms;
    latency_sum_ms += ms;
    latency_ms.add(ms);
    if (r.planned_ns > 0) {
        corrected_ms.add(static_cast<double>(r.end_ns - r.planned_ns) / ns_per_ms);
        queue_delay_ms.add(static_cast<double>(std::max<std::int64_t>(0, r.start_ns - r.planned_ns)) / ns_per_ms);
    }
    if (r.server) {
        ++per_pid[r.server->pid];
        handler_sum_ns += static_cast<double>(r.server->end_ns - r.server->start_ns);
        handler_first_ns = server_fields ? std::min(handler_first_ns, r.server->start_ns) : r.server->start_ns;
        handler_last_ns = server_fields ? std::max(handler_last_ns, r.server->end_ns) : r.server->end_ns;
        server_fields = true;
    }
}

void folded_requests::merge(const folded_requests& o) {
    if (o.failures() > 0) {
        first_failure_ns = failures() > 0 ? std::min(first_failure_ns, o.first_failure_ns) : o.first_failure_ns;
        last_failure_ns = std::max(last_failure_ns, o.last_failure_ns);
    }
    count += o.count;
    for (std::size_t k = 0; k < errors.size(); ++k) errors[k] += o.errors[k];
    bytes += o.bytes;
    responses.merge(o.responses);
    last_end_ns = std::max(last_end_ns, o.last_end_ns);
    latency_sum_ms += o.latency_sum_ms;
    latency_ms.merge(o.latency_ms);
    corrected_ms.merge(o.corrected_ms);
    queue_delay_ms.merge(o.queue_delay_ms);
    for (const auto& [pid, n] : o.per_pid) per_pid[pid] += n;
    if (o.server_fields) {
        handler_first_ns = server_fields ? std::min(handler_first_ns, o.handler_first_ns) : o.handler_first_ns;
        handler_last_ns = server_fields ? std::max(handler_last_ns, o.handler_last_ns) : o.handler_last_ns;
        server_fields = true;
    }
    handler_sum_ns += o.handler_sum_ns;
}

std::int64_t folded_requests::failures() const {
    std::int64_t failed = 0;
    for (auto n : errors) failed += n;
    return failed;
}

void add_to_series(std::vector<second_stats>& series, std::int64_t t0_ns, const request_record& r,
                   std::size_t last_second) {
    const auto second = std::min(last_second, static_cast<std::size_t>(std::max<std::int64_t>(0, r.end_ns - t0_ns) / 1'000'000'000));
    if (series.size() <= second) series.resize(second + 1);
    auto& s = series[second];
    ++s.requests;
    if (r.error != error_kind::none) {
        ++s.errors[failure_index(r.error)];
        return;
    }
    // An open loop's seconds are measured from the planned send (corrected), as its lesson is.
    const bool planned = r.planned_ns > 0;
    const double ms = static_cast<double>(r.end_ns - (planned ? r.planned_ns : r.start_ns)) / ns_per_ms;
    s.latency_ms.add(ms);
    if (planned) {
        s.corrected_sum_ms += ms;
        ++s.corrected;
    }
}

void merge_series(std::vector<second_stats>& into, const std::vector<second_stats>& other) {
    if (into.size() < other.size()) into.resize(other.size());
    for (std::size_t i = 0; i < other.size(); ++i) {
        into[i].requests += other[i].requests;
        for (std::size_t k = 0; k < into[i].errors.size(); ++k) into[i].errors[k] += other[i].errors[k];
        into[i].latency_ms.merge(other[i].latency_ms);
        into[i].corrected_sum_ms += other[i].corrected_sum_ms;
        into[i].corrected += other[i].corrected;
    }
}

}  // namespace lab
