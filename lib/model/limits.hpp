#pragma once
// The load's bounds, once: the scenario reader and the command line both check against them.
// (A handler's longest duration, max_handler_ms, is the routes' own: model/routes.hpp.)
namespace lab {

inline constexpr long long max_requests = 10'000'000;  // of one run: `load`'s, or an arm's (past 100 000 they are folded)
inline constexpr long long max_connections = 20'000;  // client connections of one run
inline constexpr long long max_repeats = 100;          // runs of one arm
inline constexpr double min_timeout_s = 0.001, max_timeout_s = 3600;
inline constexpr double min_rate = 0.01, max_rate = 1e7;  // open loop: requests per second

}  // namespace lab
