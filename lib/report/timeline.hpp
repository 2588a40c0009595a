#pragma once
// A measured Gantt chart for the terminal: client lanes (one per request, or aggregate
// sparklines when there are many) above server lanes (one per thread that ran handlers),
// on one time axis. The server's intervals come from its own CLOCK_MONOTONIC stamps.
#include "model/records.hpp"

#include <string>
#include <tuple>
#include <vector>

namespace lab {

struct timeline_options {
    int width = 60;            // columns for the time axis
    std::int64_t span_ns = 0;  // the axis's length: 0, the arm's own run; else the scenario's (one axis for all)
    bool short_legend = false;  // for a report fitted to a narrow screen
    std::size_t max_request_lanes = 24;  // more requests than this: aggregate lanes
    std::size_t max_server_lanes = 12;   // more threads than this: one aggregate lane
};

std::string render_timeline(const arm_result& arm, const timeline_options& options = {});

// What the server measured of itself, as lanes under its threads, for the text and the HTML
// timelines alike: one per loop that ran a tick 1 ms or more late (the loop frozen), and with
// --gil one per thread that took the lock — the teaching notes' "Thread 1: |██████|" diagram,
// measured. A GIL lane's waits come before its holds, so holds drawn last show on top.
enum class measure_span { frozen, gil_wait, gil_held };
struct measure_lane {
    std::string label;  // "pid P lag", "GIL tN"
    std::string note;   // "3 late ≥ 1 ms, max 99.3 ms", "6 holds"
    bool gil = false;
    std::vector<std::tuple<std::int64_t, std::int64_t, measure_span>> spans;
};
std::vector<measure_lane> measure_lanes(const arm_result& arm);

// One lane per (pid, thread) that ran a handler, by pid then thread: its handlers' intervals
// on the server's clock, for the text and the HTML timelines alike.
struct handler_lane {
    std::int64_t pid = 0, thread = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> intervals;
    bool loop() const { return pid == thread; }  // the process's main thread: its event loop
};
std::vector<handler_lane> handler_lanes(const load_run& run);

// From the window's start to the last answer (the probe's included): the length of an arm's axis.
std::int64_t run_span_ns(const load_run& run);

// The longest of the scenario's arms: on one axis, 100 ms is a tenth of the width of 1 s.
std::int64_t scenario_span_ns(const scenario_result& result);

}  // namespace lab
