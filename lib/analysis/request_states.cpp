#include "analysis/request_states.hpp"

#include <algorithm>
#include <vector>

namespace lab {

namespace {

const request_states* states_of(const load_run& run, const request_record& rec) {
    if (rec.states == 0 || rec.states > run.states.size()) return nullptr;
    return &run.states[rec.states - 1];
}

}  // namespace

std::optional<request_state> state_at(const load_run& run, const request_record& rec, std::int64_t t) {
    const auto* st = states_of(run, rec);
    if (!st || t < rec.start_ns || t >= rec.end_ns) return std::nullopt;
    std::optional<request_state> now = request_state::kernel;
    for (std::size_t i = 0; i < st->count && st->marks[i].at_ns <= t; ++i) now = st->marks[i].state;
    return now;
}

state_counts counts_at(const load_run& run, std::int64_t t) {
    state_counts out{};
    for (const auto& rec : run.requests)
        if (auto s = state_at(run, rec, t)) ++out[static_cast<std::size_t>(*s)];
    return out;
}

std::optional<arm_stats::depths> queue_depths(const load_run& run) {
    // Every change of a request's state, as (time, state left, state entered), swept in time order.
    struct change {
        std::int64_t at;
        int from, to;  // -1: none (the request appears, or is gone)
    };
    std::vector<change> changes;
    for (const auto& rec : run.requests) {
        const auto* st = states_of(run, rec);
        if (!st || rec.end_ns <= rec.start_ns) continue;
        int state = static_cast<int>(request_state::kernel);
        changes.push_back({rec.start_ns, -1, state});
        for (std::size_t i = 0; i < st->count; ++i) {
            // A mark outside the client's span (clocks agree; a mark can only be rounded to the µs).
            const auto at = std::clamp(st->marks[i].at_ns, rec.start_ns, rec.end_ns);
            const int next = static_cast<int>(st->marks[i].state);
            changes.push_back({at, state, next});
            state = next;
        }
        changes.push_back({rec.end_ns, state, -1});
    }
    if (changes.empty()) return std::nullopt;
    std::stable_sort(changes.begin(), changes.end(), [](const change& a, const change& b) { return a.at < b.at; });
    // Over the span the kept states cover (the first requests of a long run): a mean over the
    // whole window would count the requests past them as in no state at all.
    const std::int64_t from = run.t0_ns, to = std::max(from, changes.back().at);
    arm_stats::depths out;
    state_counts now{};
    std::array<double, request_state_count> area{};  // request-ns in each state inside the window
    std::int64_t last = from;
    for (std::size_t i = 0; i < changes.size();) {
        const auto at = changes[i].at;
        if (at > last && at > from) {
            const auto span = static_cast<double>(std::min(at, to) - std::max(last, from));
            if (span > 0)
                for (std::size_t s = 0; s < now.size(); ++s) area[s] += now[s] * span;
            last = at;
        }
        // Every change at this instant at once: a request that leaves one state as another enters
        // it is never counted twice.
        for (; i < changes.size() && changes[i].at == at; ++i) {
            if (changes[i].from >= 0) --now[static_cast<std::size_t>(changes[i].from)];
            if (changes[i].to >= 0) ++now[static_cast<std::size_t>(changes[i].to)];
        }
        for (std::size_t s = 0; s < now.size(); ++s) out.max[s] = std::max(out.max[s], now[s]);
    }
    const double window = static_cast<double>(to - from);
    for (std::size_t s = 0; s < area.size(); ++s) out.mean[s] = window > 0 ? area[s] / window : 0;
    return out;
}

}  // namespace lab
