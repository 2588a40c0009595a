#include "report/format_units.hpp"
#include "report/report.hpp"
#include "report/series.hpp"
#include "report/timeline.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace lab {

namespace {

std::string escape(const std::string& text) { return html_escape(text); }

std::string html_table(const std::vector<std::string>& header, const std::vector<bool>& right,
                       const std::vector<std::vector<std::string>>& rows) {
    auto cell = [&](const char* tag, std::size_t i, const std::string& text) {
        bool r = i < right.size() && right[i];
        // Prose in a cell (a line of the app's code, a server's refusal) wraps; figures never do.
        const char* kind = r ? " class=\"num\"" : text.size() > 48 ? " class=\"prose\"" : "";
        return fmt::format("<{0}{1}>{2}</{0}>", tag, kind, escape(text));
    };
    std::string out = "<table><thead><tr>";
    for (std::size_t i = 0; i < header.size(); ++i) out += cell("th", i, header[i]);
    out += "</tr></thead><tbody>";
    for (const auto& row : rows) {
        out += "<tr>";
        for (std::size_t i = 0; i < row.size(); ++i) out += cell("td", i, row[i]);
        out += "</tr>";
    }
    return out + "</tbody></table>\n";
}

using interval = std::pair<std::int64_t, std::int64_t>;

// The intervals as the chart can show them: sorted, and any two less than a pixel apart drawn
// as one. A lane then has at most one rectangle per two pixels, however many requests it ran
// (a 200 000-request run's page was 14 MB of rectangles, nearly all on top of each other).
std::vector<interval> at_pixel_resolution(std::vector<interval> spans, double ns_per_pixel) {
    std::sort(spans.begin(), spans.end());
    std::vector<interval> merged;
    for (const auto& s : spans) {
        if (!merged.empty() && static_cast<double>(s.first - merged.back().second) < ns_per_pixel)
            merged.back().second = std::max(merged.back().second, s.second);
        else
            merged.push_back(s);
    }
    return merged;
}

// Where an SVG timeline draws: an x for each time on the arm's axis, lanes top to bottom.
struct svg_canvas {
    std::int64_t t0;
    double span;  // ns across the width
    static constexpr double label = 150, width = 900, lane = 14, gap = 3;
    double y = 24;
    std::string svg;

    double x(std::int64_t t) const { return label + std::clamp(static_cast<double>(t - t0) / span, 0.0, 1.0) * width; }
    double w(std::int64_t a, std::int64_t b) const { return std::max(1.0, x(b) - x(a)); }
    void rect(std::int64_t a, std::int64_t b, const char* css) {
        svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{}\"/>", x(a), y, w(a, b), lane, css);
    }
    void name(const std::string& text, const char* css) {
        svg += fmt::format("<text x=\"4\" y=\"{}\" class=\"{}\">{}</text>", y + lane - 3, css, escape(text));
    }
    void next_lane() {
        svg += "\n";
        y += lane + gap;
    }
};

void svg_axis(svg_canvas& c, double height) {
    for (int tick = 0; tick <= 4; ++tick) {
        double tx = c.label + c.width * tick / 4;
        const char* anchor = tick == 0 ? "start" : tick == 4 ? "end" : "middle";
        c.svg += fmt::format("<line x1=\"{0}\" y1=\"18\" x2=\"{0}\" y2=\"{1}\" class=\"grid\"/>"
                             "<text x=\"{0}\" y=\"13\" text-anchor=\"{3}\">{2}</text>\n",
                             tx, height, escape(format_ms(c.span / 1e6 * tick / 4)), anchor);
    }
}

// The first `shown` requests (sent and waiting, then the handler on the server's clock) and the probe.
void svg_requests(svg_canvas& c, const arm_result& arm, std::size_t shown) {
    const auto& run = arm.run;
    std::vector<std::pair<std::string, const request_record*>> lanes;
    for (std::size_t i = 0; i < shown; ++i) lanes.emplace_back(fmt::format("request {}", i + 1), &run.requests[i]);
    if (run.probe) lanes.emplace_back("probe " + arm.spec.load.probe_route, &*run.probe);
    for (const auto& [label, r] : lanes) {
        c.name(label, "lane");
        c.rect(r->start_ns, r->end_ns, r->error == error_kind::none ? "wait" : "failed");
        if (r->server) c.rect(r->server->start_ns, r->server->end_ns, "run");
        c.next_lane();
    }
    if (run.requests.size() > shown) {
        c.name(fmt::format("… {} more requests", run.requests.size() - shown), "lane");
        c.svg += "\n";
        c.y += c.lane + c.gap;
    }
    c.y += c.lane + c.gap;
}

// An SVG Gantt chart on one time axis: client lanes above one lane per server thread (at most
// 16), then what the server measured of itself.
std::string svg_timeline(const arm_result& arm, std::int64_t span_ns) {
    const auto& run = arm.run;
    svg_canvas c{run.t0_ns, static_cast<double>(std::max(run_span_ns(run), span_ns))};
    const std::size_t shown = std::min<std::size_t>(run.requests.size(), 40);
    auto threads = handler_lanes(run);
    if (threads.size() > 16) threads.resize(16);
    // Lanes of what the server measured of itself: the GIL's only for at most 16 threads.
    auto measured = measure_lanes(arm);
    if (std::count_if(measured.begin(), measured.end(), [](const auto& l) { return l.gil; }) > 16)
        std::erase_if(measured, [](const auto& l) { return l.gil; });
    const double height = 40 + (static_cast<double>(shown + threads.size() + measured.size()) + 2) * (c.lane + c.gap);
    c.svg = fmt::format("<svg class=\"timeline\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"timeline of {}\">\n",
                        c.label + c.width + 20, height, escape(arm.spec.name));
    svg_axis(c, height);
    svg_requests(c, arm, shown);
    for (const auto& t : threads) {
        c.name(t.loop() ? fmt::format("pid {} loop", t.pid) : fmt::format("thread {}", t.thread), "lane server");
        for (auto [a, b] : at_pixel_resolution(t.intervals, c.span / c.width)) c.rect(a, b, "run");
        c.next_lane();
    }
    for (const auto& m : measured) {
        c.name(m.label, "lane server");
        for (const auto& [a, b, kind] : m.spans)
            c.rect(a, b, kind == measure_span::frozen ? "frozen" : kind == measure_span::gil_wait ? "wait" : "run");
        c.next_lane();
    }
    return c.svg + "</svg>\n";
}

constexpr const char* style = R"(
body { font-family: system-ui, sans-serif; font-size: 20px; margin: 2em; color: #111; background: #fff; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 2em; border-top: 2px solid #ccc; padding-top: 1em; }
p.lesson { max-width: 60em; line-height: 1.4; }
table { border-collapse: collapse; margin: 1em 0; font-size: 15px; }
th, td { padding: 0.25em 0.5em; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
td.prose { white-space: normal; overflow-wrap: anywhere; min-width: 16em; max-width: 32em; }
th { white-space: normal; vertical-align: bottom; }  /* long headers wrap: the widest tables fit 1280 px */
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
svg.timeline { width: 100%; max-width: 1100px; display: block; margin: 1em 0; }
svg .wait { fill: #c9d6e8; } svg .run { fill: #1f5fa8; } svg .failed { fill: #d0453a; } svg .frozen { fill: #d08a1f; }
svg .grid { stroke: #ddd; stroke-width: 1; } svg text { font-size: 13px; fill: #333; }
svg.series { width: 100%; max-width: 720px; display: block; margin: 1em 0; }
svg.walls { width: 100%; max-width: 1010px; display: block; margin: 1em 0; }
svg .wall { fill: #1f5fa8; } svg .ideal { stroke: #111; stroke-width: 2; } svg .seed { fill: #d08a1f; }
svg .p99 { fill: none; stroke: #d08a1f; stroke-width: 2; }
.legend span { display: inline-block; width: 1em; height: 0.8em; margin: 0 0.3em 0 1em; }
.replay { margin: 1em 0 2em; max-width: 1100px; }
.replay .controls { display: flex; gap: 0.6em; align-items: center; flex-wrap: wrap; font-size: 16px; }
.replay .scrub { flex: 1; min-width: 12em; } .replay .clock { font-variant-numeric: tabular-nums; min-width: 11em; }
.replay .boxes { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.6em; margin-top: 0.6em; }
.replay .box { border: 2px solid #999; border-radius: 6px; padding: 0.3em 0.5em; min-height: 5em; }
.replay .box h4 { margin: 0; font-size: 17px; } .replay .box .count { font-size: 22px; font-weight: bold; float: right; }
.replay .box .help { margin: 0.1em 0 0.3em; font-size: 13px; color: #555; }
.replay .box-running { border-color: #1f5fa8; } .replay .box-kernel { border-color: #d08a1f; }
.replay .box-ready { border-color: #2e8b57; } .replay .box-pool { border-color: #7a4fb5; }
.replay .chip { display: inline-block; min-width: 1.6em; margin: 2px; padding: 0 0.2em; border-radius: 0.8em;
  background: #1f5fa8; color: #fff; font-size: 13px; text-align: center; }
)";

// Requests per second as bars, the p99 of each second as a line on its own scale: a small
// chart of how the run went, for runs of a few seconds and more.
std::string svg_series(const arm_result& arm) {
    const auto rows = second_rows(arm.run);
    if (rows.size() < min_series_seconds) return "";
    constexpr double width = 720, height = 120, top = 18, bottom = 18;
    std::int64_t most = 1;
    double worst = 0;
    for (const auto& row : rows) {
        most = std::max(most, row.requests);
        worst = std::max(worst, row.p99_ms);
    }
    const double bar = width / static_cast<double>(rows.size()), plot = height - top - bottom;
    std::string out = fmt::format("<svg class=\"series\" viewBox=\"0 0 {} {}\" role=\"img\" "
                                  "aria-label=\"requests and p99 per second\">\n",
                                  width, height);
    std::string line;
    for (const auto& row : rows) {
        const double x = static_cast<double>(row.second) * bar;
        const double h = plot * static_cast<double>(row.requests) / static_cast<double>(most);
        out += fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
                           "<title>second {}: {} requests, {} failed, p99 {}</title></rect>\n",
                           row.failed > 0 ? "failed" : "run", x, top + plot - h, std::max(1.0, bar - 1), h, row.second,
                           row.requests, row.failed, format_ms(row.p99_ms));
        if (row.ok > 0 && worst > 0)
            line += fmt::format("{:.1f},{:.1f} ", x + bar / 2, top + plot - plot * row.p99_ms / worst);
    }
    if (!line.empty()) out += "<polyline class=\"p99\" points=\"" + line + "\"/>\n";
    out += fmt::format("<text x=\"0\" y=\"12\">requests per second (bars, up to {}) · p99 (line, up to {})</text>\n",
                       most, format_ms(worst));
    out += fmt::format("<text x=\"0\" y=\"{}\">0 s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} s</text>\n",
                       height - 4, width, height - 4, rows.size());
    return out + "</svg>\n";
}

// The scenario's comparison at a glance: each arm's measured wall as a bar on one scale, its
// ideal as a tick and the notes' figure, where the arm has one, as a diamond.
std::string svg_walls(const scenario_result& r) {
    double top = 1;
    for (const auto& a : r.arms) {
        top = std::max({top, a.stats.wall_ms, a.stats.ideal_ms, a.spec.seed_s.value_or(0) * 1000});
    }
    constexpr double label = 220, width = 700, bar = 16, gap = 6;
    const double height = 26 + static_cast<double>(r.arms.size()) * (bar + gap);
    auto x = [&](double ms) { return label + width * std::clamp(ms / top, 0.0, 1.0); };
    std::string svg = fmt::format("<svg class=\"walls\" viewBox=\"0 0 {} {}\" role=\"img\" "
                                  "aria-label=\"wall time of each arm of {}\">\n",
                                  label + width + 90, height, escape(r.name));
    double y = 20;
    for (const auto& a : r.arms) {
        svg += fmt::format("<text x=\"4\" y=\"{}\" class=\"lane\">{}</text>", y + bar - 4, escape(a.spec.name));
        svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" class=\"{}\"><title>wall {}</title></rect>",
                           label, y, std::max(1.0, x(a.stats.wall_ms) - label), bar,
                           a.stats.outcome == run_outcome::judged ? "wall" : "failed", escape(format_ms(a.stats.wall_ms)));
        // The figure after the bar and after the notes' diamond, whichever ends later.
        const double after = std::max(x(a.stats.wall_ms), a.spec.seed_s ? x(*a.spec.seed_s * 1000) + 6 : 0.0);
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>", after + 4, y + bar - 4,
                           escape(format_ms(a.stats.wall_ms)));
        if (a.stats.ideal_ms > 0)
            svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" class=\"ideal\"><title>ideal {3}</title></line>",
                               x(a.stats.ideal_ms), y - 2, y + bar + 2, escape(format_ms(a.stats.ideal_ms)));
        if (a.spec.seed_s) {
            const double sx = x(*a.spec.seed_s * 1000), my = y + bar / 2;
            svg += fmt::format("<polygon points=\"{:.1f},{} {:.1f},{} {:.1f},{} {:.1f},{}\" class=\"seed\">"
                               "<title>the notes said ~{} s</title></polygon>",
                               sx, my - 6, sx + 6, my, sx, my + 6, sx - 6, my, *a.spec.seed_s);
        }
        svg += "\n";
        y += bar + gap;
    }
    svg += fmt::format("<text x=\"{}\" y=\"12\">wall per arm on one scale (0 … {}) · ideal: tick · the notes: ◆</text>\n",
                       label, escape(format_ms(top)));
    return svg + "</svg>\n";
}

std::string scenario_section(const scenario_result& r, bool own_axis) {
    std::string out = fmt::format("<section id=\"{0}\"><h2>{0} — {1}</h2>\n<p class=\"lesson\">{2}</p>\n",
                                  escape(r.name), escape(r.title), escape(r.lesson));
    out += svg_walls(r);
    auto summary = arms_summary(r);
    out += html_table(summary.header, summary.right_aligned, summary.rows);
    if (auto beside = beside_summary(r); !beside.rows.empty())
        out += html_table(beside.header, beside.right_aligned, beside.rows);
    std::vector<std::vector<std::string>> latency;
    for (const auto& a : r.arms) {
        const auto& s = a.stats;
        const auto& l = s.latency_ms;
        latency.push_back({a.spec.name, latency_text(s, l.min), latency_text(s, l.p50), latency_text(s, l.p99),
                           latency_text(s, l.max), overlap_text(s), std::to_string(s.ok), failures_text(s)});
    }
    out += html_table({"latency", "min", "p50", "p99", "max", "overlap c/s", "ok", "failed"},
                      {false, true, true, true, true, true, true, false}, latency);
    for (const auto& extra : {advice_summary(r), results_summary(r), server_summary(r), blocked_summary(r)})
        if (!extra.rows.empty()) out += html_table(extra.header, extra.right_aligned, extra.rows);
    out += "<ul>\n";
    for (const auto& note : r.notes) out += "<li>" + escape(note) + "</li>\n";
    bool lag = false, gil = false;
    for (const auto& a : r.arms)
        for (const auto& m : measure_lanes(a)) (m.gil ? gil : lag) = true;
    out += "</ul>\n<p class=\"legend\"><span style=\"background:#c9d6e8\"></span>sent, waiting"
           "<span style=\"background:#1f5fa8\"></span>handler running (server's clock)"
           "<span style=\"background:#d0453a\"></span>failed";
    if (lag) out += "<span style=\"background:#d08a1f\"></span>loop frozen (a lag-monitor tick ran late)";
    if (gil) out += "; GIL lanes: waiting for the lock, then holding it";
    out += "</p>\n";
    for (std::size_t k = 0; k < r.arms.size(); ++k) {
        const auto& a = r.arms[k];
        out += fmt::format("<h3>{}</h3>\n", escape(a.spec.name)) + svg_series(a) +
               svg_timeline(a, own_axis ? 0 : scenario_span_ns(r)) + html_replay(a, k);
    }
    return out + "</section>\n";
}

}  // namespace

std::string render_html(const std::vector<scenario_result>& results, bool own_axis) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<title>concurrency-lab report</title><style>";
    out += style;
    out += "</style></head><body>\n<h1>concurrency-lab report</h1>\n<nav><ul>\n";
    for (const auto& r : results)
        out += fmt::format("<li><a href=\"#{0}\">{0}</a> — {1}</li>\n", escape(r.name), escape(r.title));
    out += "</ul></nav>\n";
    for (const auto& r : results) out += scenario_section(r, own_axis);
    // One script for every replay of the page, inline: the report stays one file.
    if (out.find("class=\"replay\"") != std::string::npos) out += "<script>" + std::string(html_replay_script()) + "</script>\n";
    return out + "</body></html>\n";
}

}  // namespace lab
