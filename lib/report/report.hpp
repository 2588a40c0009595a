#pragma once
// Renderers: one result object in, text out. Pure (no sockets, no files).
#include "model/records.hpp"

#include <string>
#include <map>
#include <vector>

namespace lab {

enum class output_format { table, json, csv, markdown, html, trace };

struct render_options {
    output_format format = output_format::table;
    bool timeline = false;  // table and markdown: add each arm's timeline
    bool detail = false;    // JSON: keep requests_detail however many requests there were
    std::size_t width = 0;  // table: the terminal's columns to fit (0: full tables, as for a pipe)
    bool own_axis = false;  // timelines: each arm on its own time axis (default: one per scenario)
};

// JSON keeps every request's record up to this many per arm, unless asked for all; so does a
// trace, whose requests take about 600 bytes each.
inline constexpr std::size_t detail_limit = 10'000;
// A trace with --detail: at most this many requests per arm (about 600 MB), more than a viewer opens.
inline constexpr std::size_t max_trace_requests = 1'000'000;

// The projector view: title, lesson, the arms table, latencies, findings.
// `width` > 0: no line longer than that (tables split, prose wrapped); 0: full tables.
// `own_axis`: each arm's timeline scaled to itself rather than to the scenario's longest arm.
std::string render_table(const scenario_result& result, bool timeline = false, std::size_t width = 0,
                         bool own_axis = false);

// A Markdown document: heading, lesson, one table, findings; fit to paste into a README.
std::string render_markdown(const scenario_result& result, bool timeline = false);

// One self-contained page (inline CSS and SVG, nothing fetched) for one or more scenarios.
// `own_axis`: each arm's timeline on its own time axis; by default the arms of a scenario share one.
std::string render_html(const std::vector<scenario_result>& results, bool own_axis = false);

// Several scenarios in one document of the given format, with a summary where it helps.
std::string render_many(const std::vector<scenario_result>& results, const render_options& options);

// The Chrome Trace Event JSON that ui.perfetto.dev and chrome://tracing open: per arm a client
// process (one async slice per request, the first `requests_per_arm`), the server's processes and
// threads with their handlers, flow arrows from each request to its handler, and tracks for the
// loop's stalls and the GIL's holds. Timestamps in µs from the first arm's start.
std::string render_trace(const std::vector<scenario_result>& results, std::size_t requests_per_arm = 10'000);

// One row per request (and per probe), with a header row.
std::string render_csv(const scenario_result& result);

// The arms' main columns, shared by the table and Markdown renderers.
struct summary_table {
    std::vector<std::string> header;
    std::vector<bool> right_aligned;
    std::vector<std::vector<std::string>> rows;
};
summary_table arms_summary(const scenario_result& result);

// One row per arm shown `beside` another (the same handler on two servers): notes said, floor,
// each one's wall and verdict, and their ratio. No rows when no arm names `beside`.
summary_table beside_summary(const scenario_result& result);

// The cheat sheet: one row per arm that puts a row of the notes' advice to the test (`advice`):
// the advice, the arm, its wall and verdict, and whether the advice held on this machine (the
// run followed the model the arm names). No rows when no arm names advice.
summary_table advice_summary(const scenario_result& result);

// What the lab's server measured of itself, per arm: its loop's lag and, with --gil, how long
// its threads waited for the lock. No rows when no arm ran on a lab server that said.
summary_table server_summary(const scenario_result& result);

// A probed app's (docs/targets.md): per arm and place, what held the loop while it was late past
// the probe's threshold — file:line in function, the source line and the call made there, stalls,
// time blocked and its share of the wall, longest first. No rows when nothing was probed or held.
summary_table blocked_summary(const scenario_result& result);

// Where a scenario has a background queue (/tasks): per arm, how soon a client was answered,
// how soon every result was in, and results per second — an answer and its result are one
// moment unless a queue answers first. No rows otherwise.
summary_table results_summary(const scenario_result& result);

// The notes' Part 4 diagram for one arm of an HTML page (DESIGN.md §11): boxes for the request
// states, a chip per request, a clock, play, pause and step, speeds and a scrubber, driven by the
// run's measured states; "" for an arm without them. `index` keeps its id unique in the page.
std::string html_replay(const arm_result& arm, std::size_t index);
// The one inline script every replay of a page shares.
const char* html_replay_script();

// The same diagram as text, at t_ms after the arm's window opened: a line with the arm, the clock
// and the run's end, `status` (the player's keys) if any, then the boxes, fitted to `width`
// columns (three boxes a row, or two, or one). replay_end_ms: when its last request was read back.
// `height` > 0: each box shows at most as many lines of numbers as fit that many rows, the last
// one counting the rest ("… +731").
std::string replay_frame(const arm_result& arm, double t_ms, std::size_t width, const std::string& status,
                         std::size_t height = 0);
double replay_end_ms(const arm_result& arm);

// "/blocking?ms=100", or "/cpu on pool + GIL" (n is in the calibration note).
std::string route_text(const arm_spec& spec);

// "5 / 5": successful responses per server pid, in pid order.
std::string split_text(const std::map<long long, int>& per_pid);

// "14.2 MiB (2 × 6.1)": all the server's processes, and the mean per worker.
std::string memory_text(const std::vector<process_memory>& memory);

// The most runs any arm made (its wall time is the median of that many).
int max_repeat(const scenario_result& result);

// "0", or "3 (2 timeout, 1 read)".
std::string failures_text(const arm_stats& stats);

// "5.5 / 1.0": client and server overlap; "5.5 / —" when the server reported no handler times.
std::string overlap_text(const arm_stats& stats);

// A latency figure, or "—" when nothing was answered (not a zero that reads like a fast server).
std::string latency_text(const arm_stats& stats, double ms);

// One JSON document: {"scenario", "title", "lesson", "arms": [...], "notes": [...]}.
std::string render_json(const scenario_result& result, bool detail = false);

// Several scenarios: {"scenarios": [one document as above, per scenario]}.
std::string render_json_many(const std::vector<scenario_result>& results, bool detail = false);

// The arm object alone, as `load --format json` prints it.
std::string render_arm_json(const arm_result& arm, bool detail = false);

std::string render(const scenario_result& result, const render_options& options);

// `load`'s one-arm result: in JSON the arm object alone (what `load --format json` prints),
// in any other format as render() has it.
std::string render_load(const scenario_result& result, const render_options& options);

}  // namespace lab
