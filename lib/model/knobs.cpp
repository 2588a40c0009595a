#include "model/knobs.hpp"

#include "model/routes.hpp"

namespace lab {

const std::vector<server_knob>& server_knobs() {
    using c = server_config;
    static const std::vector<server_knob> table{
        {"", "--host", "address to bind", &c::host},
        {"", "--port", "port; 0 picks a free one", &c::port, 0, 65535},
        {"pool_threads", "--pool-threads", "threads of the pool behind the loop", &c::pool_threads, 1, 1024},
        {"gil", "--gil", "emulate CPython's GIL around CPU work", &c::gil},
        {"workers", "--workers", "prefork N worker processes under a supervisor", &c::workers, 1, 256, "", true},
        {"reuse_port", "--reuse-port", "workers: one SO_REUSEPORT socket each", &c::reuse_port, 0, 0, "", false,
         "workers"},
        {"test_routes", "--test-routes",
         "enable GET " + std::string(route(route_id::crash).path) + " (kills the serving worker)", &c::test_routes},
        {"accept_gate_us", "--accept-gate-us",
         "accept the next connection only after the last one's first request (or this long)", &c::accept_gate_us, 0,
         1'000'000, "µs"},
        {"task_workers", "--task-workers", "background threads behind the task queue", &c::task_workers, 1, 256, "",
         true},
        {"task_queue", "--task-queue", "jobs that may wait before the task queue answers 503", &c::task_capacity, 1,
         1'000'000},
        {"io_timeout_ms", "--io-timeout-ms", "how long a client may take to send a request head or take a response",
         &c::io_timeout_ms, 1, 3'600'000, "ms"},
        {"lag_interval_us", "--lag-interval-us",
         "period of the timer that measures the loop's lag (GET " + std::string(route(route_id::metrics).path) +
             "); 0: no monitor",
         &c::lag_interval_us, 0, 1'000'000, "µs"},
        {"database_url", "--database-url",
         "the database of the /db routes (a libpq URI; a scenario's postgres service lends its own)", &c::database_url},
        {"db_pool", "--db-pool", "connections to the database each process holds, shared by its handlers", &c::db_pool, 1,
         1000},
        {"downstream", "--downstream", "http://host:port whose GET /async?ms= the /http routes call", &c::downstream},
        {"", "--quiet", "no 'listening on …' line on stderr", &c::quiet},
        {"", "--unix-socket", "listen on this unix socket file instead of --host/--port (removed on exit; not with --workers)",
         &c::unix_socket},
    };
    return table;
}

std::string knob_value(const server_knob& knob, const server_config& config) {
    return std::visit(
        [&](auto member) -> std::string {
            const auto& v = config.*member;
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>) return v ? "true" : "false";
            else if constexpr (std::is_same_v<std::decay_t<decltype(v)>, int>) return std::to_string(v);
            else return v;
        },
        knob.member);
}

std::vector<std::string> serve_args(const server_config& config) {
    static const server_config defaults;
    std::vector<std::string> args;
    for (const auto& knob : server_knobs()) {
        if (knob.key.empty() || knob_value(knob, config) == knob_value(knob, defaults)) continue;
        args.push_back(knob.flag);
        if (!std::holds_alternative<bool server_config::*>(knob.member)) args.push_back(knob_value(knob, config));
    }
    return args;
}

}  // namespace lab
