#pragma once
// The server's knobs, once (DESIGN.md §7): each one's scenario-file key, `serve` flag, range,
// help and the server_config member it sets; its default is that member's initial value.
// `serve`'s CLI11 options, the scenario reader and the runner's `serve` arguments all come
// from this table, so a new knob is one line here and every flag is settable per arm.
#include "model/server_config.hpp"

#include <string>
#include <variant>
#include <vector>

namespace lab {

struct server_knob {
    std::string key;   // the key in [defaults] and [[arms]]; empty: `serve` only (where it listens)
    std::string flag;  // `serve`'s long flag
    std::string help;
    std::variant<int server_config::*, bool server_config::*, std::string server_config::*> member;
    long long min = 0, max = 0;  // an integer knob's accepted range
    std::string unit;            // for range errors: "ms", "µs"
    bool cores = false;          // a file may say "cores" or "K*cores"
    std::string needs;           // the key of an integer knob that must be set (> 0) for this one
};

const std::vector<server_knob>& server_knobs();

// The `serve` arguments that make a server of `config`: each per-arm knob that differs from
// its default, in table order.
std::vector<std::string> serve_args(const server_config& config);

// The knob's value in `config`, as `serve` and the docs spell it ("40", "true", "127.0.0.1").
std::string knob_value(const server_knob& knob, const server_config& config);

}  // namespace lab
