#pragma once
// `scenario NAME --replay`: the notes' Part 4 diagram played in the terminal, slowed down, for a
// projector (DESIGN.md §11). Plain ANSI on the terminal's alternate screen, so it works over ssh
// and leaves the screen as it was; keys: space pauses, n goes to the next arm, r starts the arm
// again, q quits. A SIGINT or SIGTERM ends it too, the terminal restored.
#include "model/records.hpp"

#include <vector>

namespace lab {

// Whether stdin and stdout are a terminal the player can drive.
bool can_replay();

// Plays each arm that has request states, `slower` times slower than it ran (1, 10, 100).
void play_replay(const std::vector<scenario_result>& results, int slower);

}  // namespace lab
