#pragma once
// A measured Gantt chart for the terminal: client lanes (one per request, or aggregate
// sparklines when there are many) above server lanes (one per thread that ran handlers),
// on one time axis. The server's intervals come from its own CLOCK_MONOTONIC stamps.
#include "model/records.hpp"

#include <string>

namespace lab {

struct timeline_options {
    int width = 60;            // columns for the time axis
    std::size_t max_request_lanes = 24;  // more requests than this: aggregate lanes
    std::size_t max_server_lanes = 12;   // more threads than this: one aggregate lane
};

std::string render_timeline(const arm_result& arm, const timeline_options& options = {});

}  // namespace lab
