#include "report/format_units.hpp"
#include "report/report.hpp"
#include "report/table_writer.hpp"

#include <fmt/format.h>

namespace lab {

namespace {

// One line per arm of every scenario: what a teacher scans after `scenario all`.
std::string all_arms_table(const std::vector<scenario_result>& results, std::size_t width) {
    table_writer table({"scenario", "arm", "wall", "ideal", "wall/ideal", "verdict", "failed"},
                       {false, false, true, true, true, false, false});
    for (const auto& r : results)
        for (const auto& a : r.arms)
            table.add_row({r.name, a.spec.name, format_ms(a.stats.wall_ms),
                           a.stats.ideal_ms > 0 ? format_ms(a.stats.ideal_ms) : "n/a",
                           a.stats.ideal_ms > 0 && a.stats.outcome == run_outcome::judged
                               ? fmt::format("{:.3f}", a.stats.measured_over_ideal)
                               : "n/a",
                           verdict_name(a.stats), failures_text(a.stats)});
    return "\n  summary\n\n" + table.str("  ", width);
}

std::string without_first_line(const std::string& text) {
    auto nl = text.find('\n');
    return nl == std::string::npos ? "" : text.substr(nl + 1);
}

}  // namespace

std::string render_many(const std::vector<scenario_result>& results, const render_options& options) {
    std::string out;
    switch (options.format) {
        case output_format::html: return render_html(results, options.own_axis);
        case output_format::trace: return render_trace(results, options.detail ? max_trace_requests : detail_limit);
        case output_format::json: return render_json_many(results, options.detail);
        case output_format::csv:
            for (std::size_t i = 0; i < results.size(); ++i) {
                auto rows = render_csv(results[i]);
                out += i ? without_first_line(rows) : rows;  // one header for all
            }
            return out;
        case output_format::markdown:
            for (const auto& r : results) out += render_markdown(r, options.timeline) + "\n";
            return out;
        case output_format::table: break;
    }
    for (const auto& r : results) out += render_table(r, options.timeline, options.width, options.own_axis);
    return out + all_arms_table(results, options.width);
}

}  // namespace lab
