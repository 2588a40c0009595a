#include "analysis/findings.hpp"
#include "report/format_units.hpp"
#include "report/report.hpp"
#include "report/series.hpp"
#include "report/table_writer.hpp"
#include "report/timeline.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <sstream>

namespace lab {

namespace {

bool any_probe(const scenario_result& r) {
    for (const auto& a : r.arms)
        if (!a.spec.load.probe_route.empty()) return true;
    return false;
}

bool any_workers(const scenario_result& r) {
    for (const auto& a : r.arms)
        if (a.spec.server.workers > 0) return true;
    return false;
}

bool any_seed(const scenario_result& r) {
    for (const auto& a : r.arms)
        if (a.spec.seed_s) return true;
    return false;
}

std::string latency_table(const scenario_result& r, std::size_t width) {
    table_writer table({"latency", "min", "p50", "p90", "p99", "max", "overlap c/s", "req/s", "server RSS", "ok",
                        "failed"},
                       {false, true, true, true, true, true, true, true, true, true, false});
    for (const auto& a : r.arms) {
        const auto& s = a.stats;
        const auto& l = s.latency_ms;
        auto latency = [&](double v) { return latency_text(s, v); };
        table.add_row({a.spec.name, latency(l.min), latency(l.p50), latency(l.p90), latency(l.p99),
                       latency(l.max), overlap_text(s),
                       fmt::format("{:.0f}", s.rps),
                       a.peak_rss_kb > 0 ? fmt::format("{:.1f} MiB", a.peak_rss_kb / 1024.0) : "—",
                       std::to_string(s.ok), failures_text(s)});
    }
    return table.str("  ", width);
}

// Open loop: what the schedule promised against what a closed-loop client would report.
std::string open_loop_table(const scenario_result& r, std::size_t width) {
    table_writer table({"open loop", "rate", "uncorrected p50", "p99", "corrected p50", "p99", "max",
                        "queued p99", "corrected: first → last tenth"},
                       {false, true, true, true, true, true, true, true, true});
    bool any = false;
    for (const auto& a : r.arms) {
        const auto& s = a.stats;
        if (!s.open_loop) continue;
        any = true;
        table.add_row({a.spec.name, fmt::format("{:g}/s", a.spec.load.rate), format_ms(s.latency_ms.p50),
                       format_ms(s.latency_ms.p99), format_ms(s.corrected_ms.p50), format_ms(s.corrected_ms.p99),
                       format_ms(s.corrected_ms.max), format_ms(s.queue_delay_ms.p99),
                       fmt::format("{} → {}", format_ms(s.corrected_first_tenth_ms),
                                   format_ms(s.corrected_last_tenth_ms))});
    }
    return any ? "\n" + table.str("  ", width) : "";
}

// A server's words as one line of a table: control bytes (an ESC, a line break) are shown, not
// sent to the terminal; cut at `columns` bytes.
std::string printable_line(const std::string& text, std::size_t columns) {
    std::string out;
    for (unsigned char c : text.substr(0, columns)) out += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);
    return text.size() > columns ? out + "…" : out;
}

// What came back, by status code, and how big the bodies were: for `load` (a real API answers
// 201, 401 or 429 as readily as 200), and for a scenario where some arm got other than 2xx.
std::string responses_table(const scenario_result& r, std::size_t width) {
    const auto unusual = [](const arm_result& a) {
        for (const auto& [status, n] : a.stats.responses.statuses)
            if (status < 200 || status > 299) return true;
        return false;
    };
    if (r.name != "load" && std::none_of(r.arms.begin(), r.arms.end(), unusual)) return "";
    table_writer table({"responses", "status codes", "body min", "mean", "max", "what a refusal said"},
                       {false, false, true, true, true, false});
    for (const auto& a : r.arms) {
        std::string said;
        for (const auto& [status, body] : a.run.failure_bodies)
            said += fmt::format("{}{}: {}", said.empty() ? "" : "; ", status, printable_line(body, 100));
        const auto& t = a.stats.responses;
        std::string codes;
        for (const auto& [status, n] : t.statuses) codes += fmt::format("{}{} × {}", codes.empty() ? "" : ", ", status, n);
        const bool sized = t.bodies > 0;
        table.add_row({a.spec.name, codes.empty() ? "none" : codes, sized ? format_bytes(static_cast<double>(t.body_min)) : "—",
                       sized ? format_bytes(t.body_mean()) : "—", sized ? format_bytes(static_cast<double>(t.body_max)) : "—",
                       said.empty() ? "—" : said});
    }
    return "\n" + table.str("  ", width);
}

// Runs of a few seconds and more: how they went second by second, as sparklines — where a
// server warms up, degrades or stalls.
std::string per_second_table(const scenario_result& r, std::size_t width) {
    table_writer table({"per second", "requests", "min … max", "p99", "min … max", "failures"},
                       {false, false, true, false, true, true});
    bool any = false;
    for (const auto& a : r.arms) {
        const auto rows = second_rows(a.run);
        if (rows.size() < min_series_seconds) continue;
        any = true;
        std::vector<double> requests, p99;
        std::int64_t failed = 0;
        for (const auto& row : rows) {
            requests.push_back(static_cast<double>(row.requests));
            if (row.ok > 0) p99.push_back(row.p99_ms);
            failed += row.failed;
        }
        const auto [rlo, rhi] = std::minmax_element(requests.begin(), requests.end());
        const auto [plo, phi] = std::minmax_element(p99.begin(), p99.end());
        table.add_row({a.spec.name, sparkline(requests, 40), fmt::format("{:.0f} … {:.0f}", *rlo, *rhi),
                       sparkline(p99, 40),
                       p99.empty() ? "—" : fmt::format("{} … {}", format_ms(*plo), format_ms(*phi)),
                       std::to_string(failed)});
    }
    return any ? "\n" + table.str("  ", width) : "";
}

std::string repeats_line(const scenario_result& r) {
    const int repeat = max_repeat(r);
    if (repeat == 1) return "";
    return fmt::format("  wall = median of {} runs; every other column is from that median run.\n", repeat);
}

}  // namespace

// No t (another server's arm that names no ms): no floor to show, rather than a floor of zero.
std::string floor_text(const arm_spec& spec) {
    const double floor = physical_floor_ms(spec);
    return floor > 0 ? format_ms(floor) : "—";
}

std::string route_text(const arm_spec& spec) {
    if (!on_lab(spec)) return spec.path;
    // n for /cpu is a calibrated, machine-specific count: the notes carry it, the table shows where it ran.
    if (spec.route == route_id::cpu) return request_path(spec) + " on " + to_string(spec.on) + (spec.server.gil ? " + GIL" : "");
    return request_target(spec);
}

std::string split_text(const std::map<long long, int>& per_pid) {
    std::string out;
    for (const auto& [pid, n] : per_pid) out += (out.empty() ? "" : " / ") + std::to_string(n);
    return out.empty() ? "-" : out;
}

std::string memory_text(const std::vector<process_memory>& memory) {
    long long total = 0;
    for (const auto& m : memory) total += m.rss_kb;
    if (memory.size() <= 1) return fmt::format("{:.1f} MiB", total / 1024.0);
    return fmt::format("{:.1f} MiB ({} × {:.1f})", total / 1024.0, memory.size() - 1,
                       static_cast<double>(total - memory.front().rss_kb) / 1024.0 / static_cast<double>(memory.size() - 1));
}

int max_repeat(const scenario_result& r) {
    int repeat = 1;
    // The runs made, not those asked for: an interrupted scenario may have made fewer.
    for (const auto& a : r.arms) repeat = std::max(repeat, static_cast<int>(a.repeat_wall_ms.size()));
    return repeat;
}

std::string failures_text(const arm_stats& s) {
    int total = 0;
    for (int n : s.errors) total += n;
    // A failed probe makes an arm partial on its own: the column must not read 0 beside `partial`.
    const std::string probe = s.probe_error ? fmt::format("probe {}", to_string(*s.probe_error)) : "";
    if (total == 0) return probe.empty() ? "0" : "1 (" + probe + ")";
    return fmt::format("{} ({}{})", total + (s.probe_error ? 1 : 0), failure_counts(s), probe.empty() ? "" : ", " + probe);
}

std::string overlap_text(const arm_stats& s) {
    return s.server_fields ? fmt::format("{:.1f} / {:.1f}", s.overlap, s.server_overlap)
                           : fmt::format("{:.1f} / —", s.overlap);
}

std::string latency_text(const arm_stats& s, double ms) { return s.ok > 0 ? format_ms(ms) : std::string("—"); }

summary_table arms_summary(const scenario_result& r) {
    bool probe = any_probe(r), seed = any_seed(r);
    summary_table t;
    t.header = {"arm", "route", "N × C", "wall", "ideal (model)", "wall/ideal", "verdict"};
    t.right_aligned = {false, false, true, true, false, true, false};
    if (seed) {  // the notes' figure next to the floor no machine can beat
        t.header.insert(t.header.begin() + 3, {"notes said", "floor"});
        t.right_aligned.insert(t.right_aligned.begin() + 3, {true, true});
    }
    if (probe) {
        t.header.push_back("probe");
        t.right_aligned.push_back(true);
    }
    const bool speedup = !r.baseline.empty(), workers = any_workers(r);
    if (speedup) {
        t.header.push_back("speedup");
        t.right_aligned.push_back(true);
    }
    if (speedup && workers) {
        t.header.push_back("efficiency");
        t.right_aligned.push_back(true);
    }
    if (workers) {
        t.header.insert(t.header.end(), {"requests per pid", "RSS total"});
        t.right_aligned.insert(t.right_aligned.end(), {false, true});
    }
    for (const auto& a : r.arms) {
        const auto& s = a.stats;
        std::vector<std::string> row{
            a.spec.name,
            route_text(a.spec),
            fmt::format("{} × {}", a.spec.load.requests, a.spec.load.concurrency),
            format_ms(s.wall_ms),
            s.ideal_ms > 0 ? fmt::format("{} ({})", format_ms(s.ideal_ms), to_string(a.spec.model)) : "n/a",
            s.ideal_ms > 0 && s.outcome == run_outcome::judged ? fmt::format("{:.3f}", s.measured_over_ideal)
            : s.ideal_ms > 0                                 ? "—"
                                                             : "n/a",
            verdict_name(s)};
        if (seed)
            row.insert(row.begin() + 3, {a.spec.seed_s ? fmt::format("~{} s", *a.spec.seed_s) : "",
                                         floor_text(a.spec)});
        if (probe) row.push_back(s.probe_ms ? format_ms(*s.probe_ms) : (a.spec.load.probe_route.empty() ? "" : "failed"));
        if (speedup) row.push_back(a.speedup ? fmt::format("{:.2f}×", *a.speedup) : "");
        // Efficiency (speedup per worker) only means something where processes were added on purpose.
        if (speedup && workers)
            row.push_back(a.speedup && a.spec.server.workers > 0 ? fmt::format("{:.2f}", *a.speedup / a.spec.server.workers) : "");
        if (workers) {
            row.push_back(a.spec.server.workers > 0 ? split_text(s.per_pid) : "");
            row.push_back(memory_text(a.memory));
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

summary_table beside_summary(const scenario_result& r) {
    summary_table t;
    t.header = {"side by side", "notes said", "floor", "measured", "beside it", "measured", "ratio", "verdicts"};
    t.right_aligned = {false, true, true, true, false, true, true, false};
    for (const auto& b : r.arms) {
        if (b.spec.beside.empty()) continue;
        const auto a = std::find_if(r.arms.begin(), r.arms.end(), [&](const auto& x) { return x.spec.name == b.spec.beside; });
        if (a == r.arms.end()) continue;
        const auto& seed = a->spec.seed_s ? a->spec.seed_s : b.spec.seed_s;
        // A ratio over a failed or partial arm would compare what was not measured.
        const bool both = a->stats.wall_ms > 0 && b.stats.wall_ms > 0 && a->stats.outcome == run_outcome::judged &&
                          b.stats.outcome == run_outcome::judged;
        t.rows.push_back({a->spec.name, seed ? fmt::format("~{} s", *seed) : "", floor_text(a->spec),
                          format_ms(a->stats.wall_ms), b.spec.name, format_ms(b.stats.wall_ms),
                          both ? fmt::format("{:.2f}", b.stats.wall_ms / a->stats.wall_ms) : "—",
                          fmt::format("{} · {}", verdict_name(a->stats), verdict_name(b.stats))});
    }
    if (!any_seed(r)) {  // no notes to quote: no empty column
        t.header.erase(t.header.begin() + 1);
        t.right_aligned.erase(t.right_aligned.begin() + 1);
        for (auto& row : t.rows) row.erase(row.begin() + 1);
    }
    return t;
}

// The timeline's axis, narrowed so its lines fit `width`: 18 columns of lane label before it,
// up to 30 after ("  10 handlers, max 10 at once").
timeline_options timeline_fit(std::size_t width) {
    timeline_options t;
    if (width > 0) t.width = static_cast<int>(std::clamp<std::size_t>(width > 58 ? width - 48 : 10, 10, 60));
    t.short_legend = width > 0 && width < 80;
    return t;
}

// Prose at 92 columns, or narrower to fit `width` with its indent.
std::size_t prose_width(std::size_t width, std::size_t indent) {
    return width == 0 ? 92 : std::min<std::size_t>(92, width > indent + 20 ? width - indent : 20);
}

// The last guarantee of a width: a line still longer (a URL in a title, a timeline's note) is
// broken at the width and continued on the next line, indented; nothing is cut.
static std::string within(const std::string& text, std::size_t width) {
    if (width == 0) return text;
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        while (display_width(line) > width) {
            const std::size_t cut = prefix_bytes(line, width);
            out += line.substr(0, cut) + "\n";
            line = "    " + line.substr(cut);
        }
        out += line + "\n";
    }
    return out;
}

static std::string table_text(const scenario_result& r, bool timeline, std::size_t width, bool own_axis);

std::string render_table(const scenario_result& r, bool timeline, std::size_t width, bool own_axis) {
    return within(table_text(r, timeline, width, own_axis), width);
}

static std::string table_text(const scenario_result& r, bool timeline, std::size_t width, bool own_axis) {
    std::string out = width == 0 ? fmt::format("\n  {} — {}\n\n", r.name, r.title)
                                 : "\n" + wrap(r.name + " — " + r.title, prose_width(width, 4), "  ", "  ") + "\n";
    out += wrap(r.lesson, prose_width(width, 2), "  ") + "\n";
    auto summary = arms_summary(r);
    table_writer arms(summary.header, summary.right_aligned);
    for (auto& row : summary.rows) arms.add_row(row);
    out += arms.str("  ", width) + "\n";
    if (auto beside = beside_summary(r); !beside.rows.empty()) {
        table_writer pairs(beside.header, beside.right_aligned);
        for (auto& row : beside.rows) pairs.add_row(row);
        out += pairs.str("  ", width) + "\n";
    }
    if (auto advice = advice_summary(r); !advice.rows.empty()) {
        table_writer table(advice.header, advice.right_aligned);
        for (auto& row : advice.rows) table.add_row(row);
        out += table.str("  ", width) + "\n";
    }
    out += latency_table(r, width);
    if (auto results = results_summary(r); !results.rows.empty()) {
        table_writer table(results.header, results.right_aligned);
        for (auto& row : results.rows) table.add_row(row);
        out += "\n" + table.str("  ", width);
    }
    for (auto own : {server_summary(r), blocked_summary(r)}) {
        if (own.rows.empty()) continue;
        table_writer server(own.header, own.right_aligned);
        for (auto& row : own.rows) server.add_row(row);
        out += "\n" + server.str("  ", width);
    }
    out += responses_table(r, width);
    out += open_loop_table(r, width);
    out += per_second_table(r, width);
    out += repeats_line(r);
    out += "\n";
    for (const auto& note : r.notes) out += wrap("• " + note, prose_width(width, 4), "  ", "  ");
    if (timeline)
        for (const auto& a : r.arms) {
            auto fit = timeline_fit(width);
            if (!own_axis) fit.span_ns = scenario_span_ns(r);  // 100 ms is a tenth of the width of 1 s
            out += "\n" + render_timeline(a, fit);
        }
    return out;
}

std::string render(const scenario_result& result, const render_options& options) {
    switch (options.format) {
        case output_format::json: return render_json(result, options.detail);
        case output_format::csv: return render_csv(result);
        case output_format::markdown: return render_markdown(result, options.timeline);
        case output_format::html: return render_html({result}, options.own_axis);
        case output_format::trace: return render_trace({result}, options.detail ? max_trace_requests : detail_limit);
        case output_format::table: break;
    }
    return render_table(result, options.timeline, options.width, options.own_axis);
}

std::string render_load(const scenario_result& result, const render_options& options) {
    if (options.format == output_format::json) return render_arm_json(result.arms.front(), options.detail);
    return render(result, options);
}

}  // namespace lab
