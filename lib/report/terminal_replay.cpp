// The notes' Part 4 diagram as text, one frame at a time (DESIGN.md §11): the same boxes as the
// HTML replay, each request a number in the box of its state at the frame's instant, fitted to
// the terminal's width as the tables are. The player (apps/concurrency-lab) draws the frames.
#include "analysis/request_states.hpp"
#include "report/format_units.hpp"
#include "report/replay_boxes.hpp"
#include "report/report.hpp"
#include "report/table_writer.hpp"

#include <algorithm>
#include <cstdint>
#include <fmt/format.h>
#include <vector>

namespace lab {

namespace {

std::string repeat(const char* piece, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += piece;
    return out;
}

// A box's inside: its title with the count at the right, then its requests' numbers, wrapped
// into at most `most` lines (the last says how many more there are).
std::vector<std::string> box_lines(const replay_box& box, const std::vector<int>& requests, std::size_t inner,
                                   std::size_t most) {
    std::vector<std::string> lines;
    const std::string count = std::to_string(requests.size());
    const std::string title = fit_width(box.title, inner > count.size() + 1 ? inner - count.size() - 1 : 0);
    lines.push_back(title + std::string(inner - display_width(title) - count.size(), ' ') + count);
    std::string line;
    for (int r : requests) {
        const std::string chip = std::to_string(r);
        if (!line.empty() && line.size() + 1 + chip.size() > inner) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + chip;
    }
    lines.push_back(line);
    if (lines.size() - 1 > most) {  // the title and more lines of numbers than `most`
        // The requests the last shown line leaves out, counted on it: "… +731".
        std::size_t shown = 0;
        for (std::size_t l = 1; l < most; ++l) shown += static_cast<std::size_t>(std::count(lines[l].begin(), lines[l].end(), ' ')) + 1;
        lines.resize(most + 1);
        lines.back() = fmt::format("… +{}", requests.size() - shown);
    }
    return lines;
}

}  // namespace

double replay_end_ms(const arm_result& arm) {
    std::int64_t end = arm.run.t0_ns;
    for (const auto& rec : arm.run.requests)
        if (rec.states) end = std::max(end, rec.end_ns);
    return static_cast<double>(end - arm.run.t0_ns) / 1e6;
}

std::string replay_frame(const arm_result& arm, double t_ms, std::size_t width, const std::string& status,
                         std::size_t height) {
    const auto& run = arm.run;
    const auto t = run.t0_ns + static_cast<std::int64_t>(t_ms * 1e6);
    const auto& boxes = replay_boxes();
    std::vector<std::vector<int>> in(boxes.size());
    for (std::size_t i = 0; i < run.requests.size(); ++i) {
        const auto& rec = run.requests[i];
        if (auto b = replay_box_at(rec, t, state_at(run, rec, t))) in[*b].push_back(static_cast<int>(i + 1));
    }
    width = std::max<std::size_t>(width, 24);
    const std::size_t per_row = width >= 3 * 26 ? 3 : width >= 2 * 26 ? 2 : 1;
    const std::size_t outer = std::min<std::size_t>((width - (per_row - 1)) / per_row, 44);
    const std::size_t inner = outer - 4;  // "│ " and " │"
    // The lines of numbers a box may have, so the frame fits `height` rows: the two header lines,
    // and per row of boxes its borders and titles.
    const std::size_t box_rows = (boxes.size() + per_row - 1) / per_row;
    const std::size_t fixed = 2 + box_rows * 3;
    const std::size_t most = height == 0 ? SIZE_MAX : std::max<std::size_t>(1, height > fixed ? (height - fixed) / box_rows : 1);
    std::string out = fmt::format("{} — t = {} of {}\n", arm.spec.name, format_ms(t_ms), format_ms(replay_end_ms(arm)));
    if (!status.empty()) out += status + "\n";
    for (std::size_t first = 0; first < boxes.size(); first += per_row) {
        const std::size_t last = std::min(first + per_row, boxes.size());
        std::vector<std::vector<std::string>> inside;
        std::size_t height = 0;
        for (std::size_t b = first; b < last; ++b) {
            inside.push_back(box_lines(boxes[b], in[b], inner, most));
            height = std::max(height, inside.back().size());
        }
        auto row = [&](auto piece) {
            std::string line;
            for (std::size_t k = 0; k < inside.size(); ++k) line += (k ? " " : "") + piece(k);
            out += line + "\n";
        };
        row([&](std::size_t) { return "┌" + repeat("─", outer - 2) + "┐"; });
        for (std::size_t l = 0; l < height; ++l)
            row([&](std::size_t k) {
                const std::string text = l < inside[k].size() ? inside[k][l] : "";
                return "│ " + text + std::string(inner - display_width(text), ' ') + " │";
            });
        row([&](std::size_t) { return "└" + repeat("─", outer - 2) + "┘"; });
    }
    return out;
}

}  // namespace lab
