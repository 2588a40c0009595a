#include "report/format_units.hpp"
#include "report/report.hpp"
#include "report/table_writer.hpp"

#include <fmt/format.h>

namespace lab {

namespace {

bool any_probe(const scenario_result& r) {
    for (const auto& a : r.arms)
        if (!a.spec.probe_route.empty()) return true;
    return false;
}

bool any_seed(const scenario_result& r) {
    for (const auto& a : r.arms)
        if (a.spec.seed_s) return true;
    return false;
}

std::string arms_table(const scenario_result& r) {
    bool probe = any_probe(r), seed = any_seed(r);
    std::vector<std::string> header{"arm", "route", "N × C", "wall", "ideal (model)", "wall/ideal", "overlap c/s",
                                    "verdict"};
    std::vector<bool> right{false, false, true, true, true, true, true, false};
    if (seed) header.insert(header.begin() + 3, "notes said"), right.insert(right.begin() + 3, true);
    if (probe) header.push_back("probe"), right.push_back(true);
    table_writer table(header, right);
    for (const auto& a : r.arms) {
        const auto& s = a.stats;
        std::vector<std::string> row{
            a.spec.name,
            a.spec.route + "?" + a.spec.query,
            fmt::format("{} × {}", a.spec.requests, a.spec.concurrency),
            format_ms(s.wall_ms),
            s.ideal_ms > 0 ? fmt::format("{} ({})", format_ms(s.ideal_ms), to_string(a.spec.model)) : "n/a",
            s.ideal_ms > 0 ? fmt::format("{:.3f}", s.measured_over_ideal) : "n/a",
            fmt::format("{:.1f} / {:.1f}", s.overlap, s.server_overlap),
            to_string(s.verdict)};
        if (seed) row.insert(row.begin() + 3, a.spec.seed_s ? fmt::format("~{} s", *a.spec.seed_s) : "");
        if (probe) row.push_back(s.probe_ms ? format_ms(*s.probe_ms) : (a.spec.probe_route.empty() ? "" : "failed"));
        table.add_row(std::move(row));
    }
    return table.str();
}

std::string latency_table(const scenario_result& r) {
    table_writer table({"latency", "min", "p50", "p90", "p99", "max", "ok", "connect", "read", "timeout", "status"},
                       {false, true, true, true, true, true, true, true, true, true, true});
    for (const auto& a : r.arms) {
        const auto& l = a.stats.latency_ms;
        const auto& e = a.stats.errors;
        table.add_row({a.spec.name, format_ms(l.min), format_ms(l.p50), format_ms(l.p90), format_ms(l.p99),
                       format_ms(l.max), std::to_string(a.stats.ok), std::to_string(e[0]), std::to_string(e[1]),
                       std::to_string(e[2]), std::to_string(e[3])});
    }
    return table.str();
}

std::string repeats_line(const scenario_result& r) {
    int repeat = 1;
    for (const auto& a : r.arms) repeat = std::max(repeat, a.spec.repeat);
    if (repeat == 1) return "";
    return fmt::format("  wall = median of {} runs; every other column is from that median run.\n", repeat);
}

}  // namespace

std::string render_table(const scenario_result& r) {
    std::string out = fmt::format("\n  {} — {}\n\n", r.name, r.title);
    out += wrap(r.lesson, 92, "  ") + "\n";
    out += arms_table(r) + "\n";
    out += latency_table(r);
    out += repeats_line(r);
    out += "\n";
    for (const auto& note : r.notes) out += wrap("• " + note, 92, "  ", "  ");
    return out;
}

std::string render(const scenario_result& result, output_format format) {
    switch (format) {
        case output_format::json: return render_json(result);
        case output_format::table:
        default: return render_table(result);
    }
}

}  // namespace lab
