#include "model/records.hpp"

namespace lab {

namespace {

struct state_name {
    request_state state;
    char letter;
    const char* name;
    const char* key;
};

// Indexed by request_state.
constexpr std::array<state_name, request_state_count> names{{
    {request_state::kernel, 'K', "in the kernel", "kernel"},
    {request_state::running, 'R', "running", "running"},
    {request_state::waiting, 'W', "waiting", "waiting"},
    {request_state::ready, 'Y', "ready", "ready"},
    {request_state::queued, 'Q', "queued for the pool", "queued"},
    {request_state::pool, 'P', "on a pool thread", "pool"},
    {request_state::done, 'D', "done", "done"},
}};

}  // namespace

const char* to_string(request_state s) { return names[static_cast<std::size_t>(s)].name; }
const char* state_key(request_state s) { return names[static_cast<std::size_t>(s)].key; }
char state_letter(request_state s) { return names[static_cast<std::size_t>(s)].letter; }

std::optional<request_state> state_of_letter(char letter) {
    for (const auto& n : names)
        if (n.letter == letter) return n.state;
    return std::nullopt;
}

}  // namespace lab
