#pragma once
// One GET with a deadline, its body kept: for what the runner asks a server after a run
// (GET /metrics?format=json). The load generator's client counts bytes and keeps no bodies.
#include "load/load_generator.hpp"
#include "net/loop.hpp"

#include <chrono>
#include <cstddef>

#include <optional>
#include <string>

namespace lab {

struct http_answer {
    int status = 0;      // 0 when no response came
    std::string body;
    std::string error;   // why no response came, when none did
};

// Connects, sends, reads the whole response (at most body_limit), all within `timeout`, on the
// loop of the calling coroutine: the lab's server awaits its downstream with it.
loop_task<http_answer> http_get_on_loop(const target_url& url, std::chrono::nanoseconds timeout,
                                        std::size_t body_limit = 64u << 20);

// The same, blocking the calling thread (on an io_context of its own): for the runner, and for a
// blocking client on the lab's server.
http_answer http_get(const target_url& url, double timeout_s);

// What a lab server at host:port measured of itself (GET /metrics?format=json), asked once a
// run is over; nullopt from a server that is not the lab's, or that cannot answer within 5 s
// (a worker killed, a loop still blocked).
std::optional<server_telemetry> fetch_telemetry(const std::string& host, const std::string& port);

}  // namespace lab
