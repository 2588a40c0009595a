#pragma once
// The load generator: an Asio client with one io_context per thread and C connections
// spread across them. Closed loop (each connection sends its next request when the last
// one is answered) or open loop (requests are scheduled at a rate, as wrk2 does, and each
// keeps its planned send time so latency can be measured from it). Failures are counted
// by kind and never abort the run. Asio stays in the .cpp files.
#include "load/request_parts.hpp"
#include "model/records.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lab {

struct target_url {
    std::string host;
    std::string port;
    std::string target;  // origin-form path and query, e.g. "/async?ms=100"
    bool tls = false;    // https://
    std::string unix_socket;  // set: connect to this socket file; host and port are the Host header's
};

// http[s]://host[:port]/path?query. Throws std::invalid_argument with a one-line reason
// (other schemes are refused by name).
target_url parse_url(std::string_view url);

// A downstream of the lab's /http routes (http://host:port[/base]): plain http, no query; the
// target is the base without its trailing '/', to which a route appends "/async?ms=T".
target_url parse_downstream(std::string_view url);

// The requests whose states (DESIGN.md §11) a run keeps: the first ones, enough for a replay
// (10 000 × 136 bytes); past them a request is measured and counted, and not replayed.
inline constexpr std::size_t max_state_records = 10'000;

struct probe_options {
    std::string target;   // origin-form, e.g. "/health"
    double after_ms = 0;  // sent this long after the timed window opens
};

struct load_progress {
    std::uint64_t done = 0;  // requests finished, failed ones included
    double elapsed_s = 0;
};

// The records a run keeps (112 bytes each, 11 MB): the first requests, enough for the
// timeline, the CSV and requests_detail. Past them, requests are counted and their latencies
// folded into histograms, so a run of any length stays in constant memory.
inline constexpr std::int64_t kept_records = 100'000;

// The most a run asked for every record may keep (--detail): about 1.1 GB. A closed-loop run
// for a duration stops when it has this many (at 140k requests a second, after about 70 s)
// rather than grow until the kernel kills it; an open loop may not schedule more.
inline constexpr std::int64_t max_recorded_requests = 10'000'000;

// The most an open loop schedules (rate × duration). Nothing is kept per request, but the
// backlog of a rate no machine reaches is refused up front rather than given up on later.
inline constexpr std::int64_t max_scheduled_requests = 1'000'000'000;

struct load_options {
    target_url url;
    int requests = 10;        // how many, unless duration_s is set
    double duration_s = 0;    // > 0: run for this long (closed loop) or schedule rate × duration
    double rate = 0;          // > 0: open loop at this many requests per second in total
    int concurrency = 10;     // connections
    int threads = 1;          // io_context threads; connections are spread across them
    double timeout_s = 30;    // per request; the request is cancelled when it expires
    bool cold = false;        // when true, connecting happens inside the timed window
    bool connection_close = false;  // a new connection for every request
    std::string method = "GET";     // checked by check_method (load/request_parts.hpp)
    header_list headers;            // sent as given, after Host and User-Agent (which they replace)
    std::string body;               // sent with Content-Length on every request (not the probe's)
    tls_options tls;
    std::int64_t keep_records = kept_records;
    std::int64_t record_limit = 0;  // > 0: keep every record up to this many, and send no more (--detail)
    std::optional<probe_options> probe;
    std::function<void(const load_progress&)> on_progress;  // ~4 times a second, from the caller's thread
    // Called on the caller's thread as the timed window opens, with every lane's thread already
    // running (their count is passed): what a caller times from here is the run, not the
    // client's own start-up.
    std::function<void(int lanes_running)> on_window_open;
    // When it turns non-zero (a signal's number): send nothing more, give the requests in
    // flight up to stop_grace_ms to finish, then cancel them and keep what was measured.
    const std::atomic<int>* stop = nullptr;
};

inline constexpr int stop_grace_ms = 1000;

// The connections a run opens: -c, but never more than a count run's requests (more would
// only idle, and `-n 1` used to open ten).
inline int connections_for(const load_options& o) {
    return o.duration_s > 0 ? o.concurrency : std::max(1, std::min(o.concurrency, o.requests));
}

// Throws std::runtime_error when the host does not resolve or an https server's certificate is
// not trusted (checked once, before the run), and std::invalid_argument when rate × duration
// schedules more than a record_limit > 0 allows; every other failure is recorded in the returned run.
load_run run_load(const load_options& options);

}  // namespace lab
