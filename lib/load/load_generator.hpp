#pragma once
// The load generator: an Asio client, C connections on one io_context, N requests in a
// closed loop (each connection sends its next request when the last one is answered).
// Failures are counted by kind and never abort the run. Asio stays in the .cpp.
#include "model/records.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lab {

struct target_url {
    std::string host;
    std::string port;
    std::string target;  // origin-form path and query, e.g. "/async?ms=100"
};

// http://host[:port]/path?query. Throws std::invalid_argument with a one-line reason
// (https and other schemes are refused by name).
target_url parse_url(std::string_view url);

struct probe_options {
    std::string target;   // origin-form, e.g. "/health"
    double after_ms = 0;  // sent this long after the timed window opens
};

struct load_options {
    target_url url;
    int requests = 10;
    int concurrency = 10;
    double timeout_s = 30;  // per request; the request is cancelled when it expires
    bool cold = false;      // when true, connecting happens inside the timed window
    bool connection_close = false;  // a new connection for every request
    std::optional<probe_options> probe;
};

// Throws std::runtime_error when the host does not resolve; every other failure is
// recorded in the returned run.
load_run run_load(const load_options& options);

}  // namespace lab
