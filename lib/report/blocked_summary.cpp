#include "analysis/findings.hpp"
#include "report/format_units.hpp"
#include "report/report.hpp"

#include <fmt/format.h>

namespace lab {

summary_table blocked_summary(const scenario_result& r) {
    summary_table t{{"what blocked the loop", "where", "code", "stalls", "blocked", "of wall"},
                    {false, false, false, true, true, true},
                    {}};
    for (const auto& a : r.arms)
        for (const auto& b : a.stats.blocked)
            t.rows.push_back({a.spec.name, blocked_place(b), blocked_code(b), std::to_string(b.stalls),
                              format_ms(b.ms),
                              a.stats.wall_ms > 0 ? fmt::format("{:.0f} %", 100 * b.ms / a.stats.wall_ms) : "—"});
    return t;
}

}  // namespace lab
