#include "report/format_units.hpp"
#include "report/report.hpp"

#include <fmt/format.h>

namespace lab {

summary_table advice_summary(const scenario_result& r) {
    summary_table t{{"the notes' advice", "arm", "wall", "verdict", "held here"}, {false, false, true, false, false}, {}};
    for (const auto& a : r.arms) {
        if (a.spec.advice.empty()) continue;
        const auto& s = a.stats;
        // A run that failed or was disputed says nothing either way: "not shown", not "no".
        const std::string held = advice_held(a.spec, s)                 ? "yes"
                                 : s.outcome != run_outcome::judged || s.disputed ? fmt::format("not shown ({})", verdict_name(s))
                                                                                 : fmt::format("no: {}, not {}", to_string(s.verdict), to_string(a.spec.model));
        t.rows.push_back({a.spec.advice, a.spec.name, s.ok > 0 ? format_ms(s.wall_ms) : "—", verdict_name(s), held});
    }
    return t;
}

}  // namespace lab
