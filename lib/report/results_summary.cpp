#include "analysis/findings.hpp"
#include "report/format_units.hpp"
#include "report/report.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace lab {

summary_table results_summary(const scenario_result& r) {
    summary_table t{{"answer and result", "answered p99", "every result after", "results/s"}, {false, true, true, true}, {}};
    const bool any_queue =
        std::any_of(r.arms.begin(), r.arms.end(), [](const arm_result& a) { return queues_jobs(a.spec); });
    if (!any_queue) return t;
    for (const auto& a : r.arms) {
        const double done = results_in_ms(a);
        t.rows.push_back({a.spec.name, a.stats.ok > 0 ? format_ms(a.stats.latency_ms.p99) : "—",
                          done > 0 ? format_ms(done) : "—", done > 0 ? fmt::format("{:.1f}", results_per_s(a)) : "—"});
    }
    return t;
}

}  // namespace lab
