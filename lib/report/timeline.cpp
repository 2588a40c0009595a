#include "report/timeline.hpp"

#include "analysis/request_states.hpp"

#include "analysis/analysis.hpp"

#include "report/format_units.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace lab {

namespace {

constexpr const char* waiting = "░";
constexpr const char* running = "█";
constexpr const char* frozen = "▓";
constexpr std::array<const char*, 9> levels{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
constexpr int label_width = 16;

// Maps CLOCK_MONOTONIC nanoseconds onto columns [0, width).
struct axis {
    std::int64_t t0;
    std::int64_t span;
    int width;

    int first(std::int64_t t) const {
        auto c = static_cast<int>(static_cast<double>(t - t0) * width / static_cast<double>(span));
        return std::clamp(c, 0, width - 1);
    }
    // Half-open: an interval ending exactly on a column boundary does not paint the next column.
    int last(std::int64_t from, std::int64_t to) const {
        auto c = static_cast<int>(std::ceil(static_cast<double>(to - t0) * width / static_cast<double>(span))) - 1;
        return std::clamp(c, first(from), width - 1);
    }
};

using lane = std::vector<std::string>;

void paint(lane& cells, const axis& ax, std::int64_t from, std::int64_t to, const char* glyph) {
    for (int c = ax.first(from); c <= ax.last(from, to); ++c) cells[static_cast<std::size_t>(c)] = glyph;
}

std::string row(const std::string& label, const lane& cells, const std::string& note = "") {
    std::string out = fmt::format("  {:<{}}", label, label_width);
    for (const auto& c : cells) out += c;
    if (!note.empty()) out += "  " + note;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
}

// Per column, how many intervals were open on average over the column's time (so 40
// busy threads read as 40, not as the number of intervals that merely touch it).
std::vector<double> column_load(const axis& ax, const std::vector<std::pair<std::int64_t, std::int64_t>>& intervals) {
    std::vector<double> load(static_cast<std::size_t>(ax.width), 0.0);
    const double column_ns = static_cast<double>(ax.span) / ax.width;
    for (auto [from, to] : intervals)
        for (int c = ax.first(from); c <= ax.last(from, to); ++c) {
            double lo = static_cast<double>(ax.t0) + c * column_ns, hi = lo + column_ns;
            double overlap = std::min(hi, static_cast<double>(to)) - std::max(lo, static_cast<double>(from));
            load[static_cast<std::size_t>(c)] += std::max(0.0, overlap) / column_ns;
        }
    return load;
}

// Drawn as a sparkline scaled to the row's own maximum; anything above zero shows.
std::string sparkline_row(const std::string& label, const std::vector<double>& values, const std::string& note) {
    double peak = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
    lane cells;
    for (double v : values) {
        std::size_t level = 0;
        if (peak > 0 && v > 0) level = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(8.0 * v / peak)), 1, 8);
        cells.push_back(levels[level]);
    }
    return row(label, cells, note);
}

// The most intervals open at one instant (a sweep over start and end events).
void request_lane(std::string& out, const std::string& label, const request_record& r, const axis& ax) {
    lane cells(static_cast<std::size_t>(ax.width), " ");
    paint(cells, ax, r.start_ns, r.end_ns, r.server ? waiting : running);
    if (r.server) paint(cells, ax, std::max(r.server->start_ns, r.start_ns), r.server->end_ns, running);
    std::string note = r.error == error_kind::none
                           ? format_ms(static_cast<double>(r.end_ns - r.start_ns) / 1e6)
                           : std::string("failed: ") + to_string(r.error);
    out += row(label, cells, note);
}

// A request's states (DESIGN.md §11), one letter a column: the state at the column's middle
// (K in the kernel, R running, W waiting, Y ready, Q queued, P on a pool thread, D done).
void state_lane(std::string& out, const load_run& run, const request_record& r, const axis& ax) {
    if (r.states == 0) return;
    lane cells(static_cast<std::size_t>(ax.width), " ");
    const double column_ns = static_cast<double>(ax.span) / ax.width;
    for (int c = 0; c < ax.width; ++c) {
        const auto middle = ax.t0 + static_cast<std::int64_t>((c + 0.5) * column_ns);
        if (auto s = state_at(run, r, middle)) cells[static_cast<std::size_t>(c)] = std::string(1, state_letter(*s));
    }
    out += row("  states", cells);
}

// Which kinds of measured lanes it drew: the legend explains those.
struct drawn_lanes {
    bool lag = false, gil = false;
};

drawn_lanes draw_measure_lanes(std::string& out, const arm_result& arm, const axis& ax, std::size_t max_lanes) {
    drawn_lanes drawn;
    const auto lanes = measure_lanes(arm);
    const auto gil_lanes = static_cast<std::size_t>(std::count_if(lanes.begin(), lanes.end(), [](const auto& l) { return l.gil; }));
    for (const auto& l : lanes) {
        if (l.gil && gil_lanes > max_lanes) continue;
        lane cells(static_cast<std::size_t>(ax.width), " ");
        for (const auto& [from, to, kind] : l.spans)
            paint(cells, ax, from, to, kind == measure_span::frozen ? frozen : kind == measure_span::gil_wait ? waiting : running);
        out += row(l.label, cells, l.note);
        (l.gil ? drawn.gil : drawn.lag) = true;
    }
    if (gil_lanes > max_lanes)
        out += fmt::format("  {:<{}}({} threads took the GIL: too many lanes to draw)\n", "", label_width, gil_lanes);
    return drawn;
}

}  // namespace

std::int64_t run_span_ns(const load_run& run) { return std::max(last_answer_ns(run), run.t0_ns + 1) - run.t0_ns; }

std::int64_t scenario_span_ns(const scenario_result& result) {
    std::int64_t span = 1;
    for (const auto& a : result.arms) span = std::max(span, run_span_ns(a.run));
    return span;
}

std::vector<handler_lane> handler_lanes(const load_run& run) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<std::int64_t, std::int64_t>>> threads;
    for (const auto& r : run.requests)
        if (r.server) threads[{r.server->pid, r.server->thread}].emplace_back(r.server->start_ns, r.server->end_ns);
    std::vector<handler_lane> lanes;
    for (auto& [key, intervals] : threads) lanes.push_back({key.first, key.second, std::move(intervals)});
    return lanes;
}

namespace {

std::string axis_head(const arm_result& arm, const axis& ax) {
    const double span_ms = static_cast<double>(ax.span) / 1e6;
    std::string out = fmt::format("  timeline · {} — one column = {}\n", arm.spec.name, format_ms(span_ms / ax.width));
    out += fmt::format("  {:<{}}{}{:>{}}\n", "", label_width, "0", format_ms(span_ms), ax.width - 1);
    out += fmt::format("  {:<{}}├", "", label_width);
    for (int i = 0; i < ax.width - 2; ++i) out += "─";
    return out + "┤\n";
}

// Too many requests for a lane each: how many were in flight, and when they completed.
void aggregate_request_lanes(std::string& out, const arm_result& arm, const axis& ax) {
    std::vector<std::pair<std::int64_t, std::int64_t>> in_flight;
    std::vector<double> completed(static_cast<std::size_t>(ax.width), 0);
    for (const auto& r : arm.run.requests) {
        in_flight.emplace_back(r.start_ns, r.end_ns);
        if (r.error == error_kind::none) completed[static_cast<std::size_t>(ax.first(r.end_ns))]++;
    }
    out += sparkline_row("in flight", column_load(ax, in_flight), fmt::format("max {} at once", max_at_once(in_flight)));
    // At most eight waves by name: a run of thousands of them would make one endless line.
    std::string waves;
    const auto& all_waves = arm.stats.waves;
    for (std::size_t i = 0; i < std::min<std::size_t>(all_waves.size(), 8); ++i)
        waves += (waves.empty() ? "" : " + ") + std::to_string(all_waves[i]);
    if (all_waves.size() > 8) waves += fmt::format(" + … ({} waves)", all_waves.size());
    out += sparkline_row("completed", completed, all_waves.size() > 1 ? "waves: " + waves : "");
}

// A lane per server thread, or one aggregate lane when there are more than `max_lanes`.
void server_lanes(std::string& out, const std::vector<handler_lane>& threads, const axis& ax, std::size_t max_lanes) {
    if (threads.size() > max_lanes) {
        std::vector<std::pair<std::int64_t, std::int64_t>> all;
        for (const auto& t : threads) all.insert(all.end(), t.intervals.begin(), t.intervals.end());
        out += sparkline_row("server busy", column_load(ax, all),
                             fmt::format("{} threads, max {} handlers at once", threads.size(), max_at_once(all)));
        return;
    }
    for (const auto& t : threads) {
        lane cells(static_cast<std::size_t>(ax.width), " ");
        for (auto [from, to] : t.intervals) paint(cells, ax, from, to, running);
        out += row(t.loop() ? fmt::format("pid {} loop", t.pid) : fmt::format("  thread {}", t.thread), cells,
                   fmt::format("{} handler{}, max {} at once", t.intervals.size(), t.intervals.size() == 1 ? "" : "s",
                               max_at_once(t.intervals)));
    }
}

// The full legend is 61 columns after the labels; a report fitted to a narrow screen gets the short one.
std::string legend(bool short_legend, bool lag, bool gil) {
    std::string out = short_legend
                          ? fmt::format("  {:<{}}{} waiting  {} handler (server's clock)\n", "", label_width, waiting, running)
                          : fmt::format("  {:<{}}{} waiting for the server   {} handler running (server's clock)\n", "",
                                        label_width, waiting, running);
    if (!lag && !gil) return out;
    std::string measured;
    if (lag) measured = fmt::format("{} loop frozen{}", frozen, short_legend ? "" : " (a tick ran late)");
    if (gil) measured += fmt::format("{}GIL: {} waiting  {} holding", measured.empty() ? "" : "   ", waiting, running);
    return out + fmt::format("  {:<{}}{}\n", "", label_width, measured);
}

}  // namespace

std::string render_timeline(const arm_result& arm, const timeline_options& options) {
    const auto& run = arm.run;
    const axis ax{run.t0_ns, std::max(run_span_ns(run), options.span_ns), options.width};
    std::string out = axis_head(arm, ax);
    if (run.requests.size() <= options.max_request_lanes) {
        for (std::size_t i = 0; i < run.requests.size(); ++i) {
            request_lane(out, fmt::format("request {:>2}", i + 1), run.requests[i], ax);
            state_lane(out, run, run.requests[i], ax);
        }
    } else {
        aggregate_request_lanes(out, arm, ax);
    }
    if (run.probe) request_lane(out, "probe " + arm.spec.load.probe_route, *run.probe, ax);
    const auto threads = handler_lanes(run);
    if (threads.empty()) return out + "  (no server lanes: the target did not report handler times)\n";
    server_lanes(out, threads, ax, options.max_server_lanes);
    const auto measured = draw_measure_lanes(out, arm, ax, options.max_server_lanes);
    out += legend(options.short_legend, measured.lag, measured.gil);
    if (!run.states.empty() && run.requests.size() <= options.max_request_lanes)
        out += fmt::format("  {:<{}}K kernel R running W waiting Y ready Q queued P pool D done\n",
                           "", label_width);
    return out;
}

std::vector<measure_lane> measure_lanes(const arm_result& arm) {
    std::vector<measure_lane> lanes;
    if (!arm.telemetry) return lanes;
    for (const auto& loop : arm.telemetry->loops) {
        if (loop.late.empty()) continue;
        measure_lane l{fmt::format("pid {} lag", loop.pid), "", false, {}};
        std::int64_t worst = 0;
        for (auto [due, ran] : loop.late) {
            l.spans.emplace_back(due, ran, measure_span::frozen);
            worst = std::max(worst, ran - due);
        }
        // The late ticks the lane draws (those of the run's window), not the server's life.
        l.note = fmt::format("{} late ≥ 1 ms, max {}", loop.late.size(), format_ms(static_cast<double>(worst) / 1e6));
        lanes.push_back(std::move(l));
    }
    std::map<std::pair<std::int64_t, std::int64_t>, measure_lane> holders;
    for (const auto& h : arm.telemetry->gil) {
        auto [at, fresh] = holders.try_emplace({h.pid, h.thread});
        if (fresh) at->second = {fmt::format("GIL t{}", h.thread), "", true, {}};
        at->second.spans.emplace_back(h.want_ns, h.got_ns, measure_span::gil_wait);
    }
    std::map<std::pair<std::int64_t, std::int64_t>, int> holds;
    for (const auto& h : arm.telemetry->gil) {
        holders[{h.pid, h.thread}].spans.emplace_back(h.got_ns, h.end_ns, measure_span::gil_held);
        holds[{h.pid, h.thread}]++;
    }
    for (auto& [key, l] : holders) {
        l.note = fmt::format("{} holds", holds[key]);
        lanes.push_back(std::move(l));
    }
    return lanes;
}

}  // namespace lab
