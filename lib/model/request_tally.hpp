#pragma once
// What a long run keeps instead of a record per request (DESIGN.md §3): requests past the
// kept records folded into exact counts and latency histograms, and a per-second series of
// the whole run. Both are built by the load generator's lanes and merged once at the end.
#include "model/latency_histogram.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace lab {

struct request_record;

// What came back: responses by status code (failed ones too; a request with no response has
// none) and their bodies' sizes, as the server sent them (after chunked decoding).
struct response_tally {
    std::map<int, std::int64_t> statuses;
    std::int64_t bodies = 0;  // responses counted in the sizes
    std::uint64_t body_min = 0, body_max = 0, body_sum = 0;

    void add(int status, std::uint64_t body_bytes);
    // The same for a run of responses in a row that share a status (the common case): one
    // lookup of the map for the run, not one per response.
    void add_many(int status, std::int64_t n);
    void add_body(std::uint64_t body_bytes);
    void merge(const response_tally& other);
    double body_mean() const { return bodies > 0 ? static_cast<double>(body_sum) / static_cast<double>(bodies) : 0; }
};

// Requests beyond the records a run keeps: counted exactly, their latencies folded.
struct folded_requests {
    std::int64_t count = 0;                 // requests folded, failed ones included
    std::array<std::int64_t, 4> errors{};   // indexed by failure_index
    std::uint64_t bytes = 0;
    std::int64_t last_end_ns = 0;
    std::int64_t first_failure_ns = 0, last_failure_ns = 0;  // when failures ended, if any
    double latency_sum_ms = 0;              // of the successful ones
    latency_histogram latency_ms;           // successful ones, from send to answer
    latency_histogram corrected_ms;         // open loop: from the planned send time
    latency_histogram queue_delay_ms;       // open loop: planned send to actual send
    std::map<long long, std::int64_t> per_pid;  // successful responses by server pid
    bool server_fields = false;
    double handler_sum_ns = 0;              // Σ of the server's handler times
    std::int64_t handler_first_ns = 0, handler_last_ns = 0;  // their span
    response_tally responses;

    void add(const request_record& r);
    void merge(const folded_requests& other);
    std::int64_t failures() const;
    std::int64_t ok() const { return count - failures(); }
};

// One second of a run, by when its requests ended (second 0 starts at the window's t0).
struct second_stats {
    std::int64_t requests = 0;              // finished, failed ones included
    std::array<std::int64_t, 4> errors{};
    latency_histogram latency_ms;           // successful ones; an open loop's from the planned send
    double corrected_sum_ms = 0;            // open loop: Σ latency from the planned send time
    std::int64_t corrected = 0;             // and how many it sums
};

// Adds one finished request to `series` (growing it to the request's second, at most
// `last_second`: a run for N seconds that ends a hair past its deadline has N rows, not N + 1).
void add_to_series(std::vector<second_stats>& series, std::int64_t t0_ns, const request_record& r,
                   std::size_t last_second = SIZE_MAX);
// Adds `other` into `into`, second by second.
void merge_series(std::vector<second_stats>& into, const std::vector<second_stats>& other);

}  // namespace lab
