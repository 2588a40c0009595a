#include "check/ratio.hpp"

#include "analysis/findings.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace lab {

namespace {

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

bool parse_term(const std::string& text, std::string& arm, std::string& metric, std::string& error) {
    auto t = trim(text);
    auto dot = t.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == t.size()) {
        error = fmt::format("'{}' is not ARM.METRIC", t);
        return false;
    }
    arm = t.substr(0, dot);
    metric = t.substr(dot + 1);
    const auto& known = ratio_metrics();
    if (std::find(known.begin(), known.end(), metric) == known.end()) {
        error = fmt::format("unknown metric '{}' (expected one of: {})", metric, fmt::join(known, ", "));
        return false;
    }
    return true;
}

std::optional<double> metric_value(const arm_result& a, const std::string& metric) {
    const auto& s = a.stats;
    // A value that was not measured is no value: an expectation on it fails, never passes on a 0.
    if (metric == "wall") return s.wall_ms;
    if (metric == "ideal") return s.ideal_ms > 0 ? std::optional(s.ideal_ms) : std::nullopt;
    if (metric == "wall_over_ideal") return s.ideal_ms > 0 ? std::optional(s.measured_over_ideal) : std::nullopt;
    if (metric == "overlap") return s.overlap;
    if (metric == "server_overlap") return s.server_fields ? std::optional(s.server_overlap) : std::nullopt;
    if (metric == "p50") return s.latency_ms.p50;
    if (metric == "p99") return s.latency_ms.p99;
    if (metric == "max") return s.latency_ms.max;
    if (metric == "probe") return s.probe_ms;
    if (metric == "waves") return static_cast<double>(s.waves.size());
    if (metric == "ok_fraction") return a.spec.load.requests > 0 ? static_cast<double>(s.ok) / a.spec.load.requests : 0.0;
    if (metric == "speedup") return a.speedup;
    if (metric == "jobs_done") return a.jobs.empty() ? std::nullopt : std::optional<double>(jobs_done_ms(a));
    if (!s.open_loop && metric.starts_with("corrected")) return std::nullopt;
    if (metric == "corrected_p99") return s.corrected_ms.p99;
    if (metric == "corrected_first_tenth") return s.corrected_first_tenth_ms;
    if (metric == "corrected_last_tenth") return s.corrected_last_tenth_ms;
    return std::nullopt;
}

// Why metric_value has nothing to give, in words a CI log can act on.
std::string why_no_value(const arm_result& a, const std::string& metric) {
    if (metric == "server_overlap") return "its server reported no handler times (no Server-Timing, no fields)";
    if (metric == "ideal" || metric == "wall_over_ideal") return "it has no model to compare with (no t)";
    if (metric == "probe") return "it sent no probe";
    if (metric == "speedup") return "the scenario names no baseline arm";
    if (metric == "jobs_done") return "it queued no jobs";
    if (metric.starts_with("corrected") && !a.stats.open_loop) return "it is not an open-loop run (no rate)";
    return "not measured";
}

}  // namespace

const std::vector<std::string>& ratio_metrics() {
    static const std::vector<std::string> metrics{"wall", "ideal", "wall_over_ideal", "overlap", "server_overlap",
                                                  "p50",  "p99",   "max",             "probe",   "waves",
                                                  "ok_fraction", "speedup", "corrected_p99",
                                                  "corrected_first_tenth", "corrected_last_tenth", "jobs_done"};
    return metrics;
}

bool is_dimensionless(const std::string& metric) {
    return metric == "wall_over_ideal" || metric == "overlap" || metric == "server_overlap" || metric == "waves" ||
           metric == "ok_fraction" || metric == "speedup";
}

std::optional<ratio_expr> parse_ratio(const std::string& text, std::string& error) {
    ratio_expr expr;
    auto slash = text.find('/');
    if (!parse_term(text.substr(0, slash), expr.arm_a, expr.metric_a, error)) return std::nullopt;
    if (slash == std::string::npos) {
        if (!is_dimensionless(expr.metric_a)) {
            error = fmt::format("'{}' has units (ms): divide it by another arm's or its own ideal", trim(text));
            return std::nullopt;
        }
        return expr;
    }
    if (text.find('/', slash + 1) != std::string::npos) {
        error = "only one '/' is allowed";
        return std::nullopt;
    }
    if (!parse_term(text.substr(slash + 1), expr.arm_b, expr.metric_b, error)) return std::nullopt;
    return expr;
}

std::optional<double> evaluate(const ratio_expr& expr, const scenario_result& result, std::string& error) {
    auto value_of = [&](const std::string& arm, const std::string& metric) -> std::optional<double> {
        for (const auto& a : result.arms)
            if (a.spec.name == arm) {
                // A ratio of a run with failures would judge what was not measured.
                if (a.stats.outcome != run_outcome::judged && !a.spec.expect_failures) {
                    error = fmt::format("arm '{}' is {}: {} of {} requests succeeded", arm, verdict_name(a.stats),
                                        a.stats.ok, a.stats.asked);
                    return std::nullopt;
                }
                auto v = metric_value(a, metric);
                if (!v) error = fmt::format("{}.{} has no value in this run: {}", arm, metric, why_no_value(a, metric));
                return v;
            }
        error = fmt::format("no arm '{}' in scenario {}", arm, result.name);
        return std::nullopt;
    };
    auto a = value_of(expr.arm_a, expr.metric_a);
    if (!a) return std::nullopt;
    if (expr.arm_b.empty()) return a;
    auto b = value_of(expr.arm_b, expr.metric_b);
    if (!b) return std::nullopt;
    if (*b == 0) {
        error = fmt::format("{}.{} is zero", expr.arm_b, expr.metric_b);
        return std::nullopt;
    }
    return *a / *b;
}

}  // namespace lab
