#pragma once
// The boxes of the notes' Part 4 diagram (DESIGN.md §11), once for the HTML replay and the
// terminal's: which request states each gathers, in the order they are drawn.
#include "model/records.hpp"

#include <array>
#include <initializer_list>
#include <optional>

namespace lab {

struct replay_box {
    const char* id;     // the HTML's data-box
    const char* title;
    const char* help;
    std::initializer_list<request_state> states;
    bool answered = false;  // also holds the requests the client has read back
};

inline const std::array<replay_box, 6>& replay_boxes() {
    static const std::array<replay_box, 6> boxes{{
        {"kernel", "in the kernel", "sent, not yet read: the loop is busy elsewhere", {request_state::kernel}},
        {"ready", "ready", "what it waited for is done; the loop has not resumed it", {request_state::ready}},
        {"running", "running on the loop", "the loop thread runs its code", {request_state::running}},
        {"waiting", "waiting", "on a timer, the database, a downstream", {request_state::waiting}},
        {"pool", "in the pool", "queued for a pool thread, or running on one", {request_state::queued, request_state::pool}},
        {"done", "answered", "its response is on its way back, or read", {request_state::done}, true},
    }};
    return boxes;
}

// The box a request is drawn in at t: its state's, the answered box once the client has read it;
// none before it was sent, or for a request without states.
inline std::optional<std::size_t> replay_box_at(const request_record& rec, std::int64_t t, std::optional<request_state> state) {
    if (rec.states == 0 || t < rec.start_ns) return std::nullopt;
    const auto& boxes = replay_boxes();
    for (std::size_t b = 0; b < boxes.size(); ++b) {
        if (!state && boxes[b].answered) return b;
        for (auto s : boxes[b].states)
            if (state && s == *state) return b;
    }
    return std::nullopt;
}

}  // namespace lab
