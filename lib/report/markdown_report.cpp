#include "report/format_units.hpp"
#include "report/report.hpp"
#include "report/timeline.hpp"

#include <fmt/format.h>

namespace lab {

namespace {

// A cell's text as one cell: a `|` would end it and a line break the whole row (GFM reads `\|`
// as a pipe, in code spans too).
std::string md_cell(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else if (c == '\n' || c == '\r') out += ' ';
        else out += c;
    }
    return out;
}

std::string md_row(const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& c : cells) out += " " + md_cell(c) + " |";
    return out + "\n";
}

std::string md_rule(const std::vector<bool>& right_aligned) {
    std::vector<std::string> rule;
    for (bool right : right_aligned) rule.push_back(right ? "---:" : "---");
    return md_row(rule);
}

}  // namespace

std::string render_markdown(const scenario_result& r, bool timeline) {
    auto summary = arms_summary(r);
    summary.header.insert(summary.header.end(), {"p50", "p99", "overlap c/s", "failed"});
    summary.right_aligned.insert(summary.right_aligned.end(), {true, true, true, false});
    std::string out = fmt::format("### {} — {}\n\n{}\n\n", r.name, r.title, r.lesson);
    out += md_row(summary.header) + md_rule(summary.right_aligned);
    for (std::size_t i = 0; i < r.arms.size(); ++i) {
        const auto& s = r.arms[i].stats;
        auto row = summary.rows[i];
        row[1] = "`" + row[1] + "`";
        row.insert(row.end(), {latency_text(s, s.latency_ms.p50), latency_text(s, s.latency_ms.p99), overlap_text(s),
                               failures_text(s)});
        out += md_row(row);
    }
    if (auto beside = beside_summary(r); !beside.rows.empty()) {
        out += "\n" + md_row(beside.header) + md_rule(beside.right_aligned);
        for (const auto& row : beside.rows) out += md_row(row);
    }
    for (const auto& extra : {advice_summary(r), results_summary(r), server_summary(r), blocked_summary(r)}) {
        if (extra.rows.empty()) continue;
        out += "\n" + md_row(extra.header) + md_rule(extra.right_aligned);
        for (const auto& row : extra.rows) out += md_row(row);
    }
    if (const int repeat = max_repeat(r); repeat > 1) out += fmt::format("\nwall = median of {} runs.\n", repeat);
    out += "\n";
    for (const auto& note : r.notes) out += "- " + note + "\n";
    if (timeline) {
        out += "\n```text\n";
        timeline_options shared;
        shared.span_ns = scenario_span_ns(r);  // one axis for the scenario, as in the table
        for (const auto& a : r.arms) out += render_timeline(a, shared) + "\n";
        out += "```\n";
    }
    return out;
}

}  // namespace lab
