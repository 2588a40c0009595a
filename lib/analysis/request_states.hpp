#pragma once
// Each request's way through the server (DESIGN.md §11), read back: the state of a request at an
// instant, how many requests are in each state at an instant, and the queues' depths over a run
// — how many requests were ready, waiting or in the kernel, at most and on average: the loop's
// ready queue and waiting list measured from outside, the notes' Part 4 in numbers.
#include "model/records.hpp"

#include <array>
#include <optional>

namespace lab {

using state_counts = std::array<int, request_state_count>;

// The request's state at t: in the kernel from the client's send to its first mark, then each
// mark's state until the next, `done` until the client has read the answer; none outside that,
// or for a request the server sent no states for.
std::optional<request_state> state_at(const load_run& run, const request_record& rec, std::int64_t t);

// Requests of the run in each state at t (those with states only).
state_counts counts_at(const load_run& run, std::int64_t t);

// From the run's window opening to the last kept request's answer: the most requests in each
// state at once, and the mean (time-weighted); nullopt for a run without states (another server,
// or none answered).
std::optional<arm_stats::depths> queue_depths(const load_run& run);

}  // namespace lab
