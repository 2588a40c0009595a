#include "check/check.hpp"

#include "check/ratio.hpp"
#include "analysis/findings.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

namespace lab {

baseline load_baseline(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw baseline_error(fmt::format("{}: cannot read baseline", file.string()));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return parse_baseline(text, file.string());
}

baseline parse_baseline(std::string_view text, const std::string& name) {
    baseline out;
    try {
        auto doc = nlohmann::json::parse(text);
        const auto& ratios = doc.at("ratios");
        if (!ratios.is_object()) throw baseline_error(fmt::format("{}: 'ratios' must be an object", name));
        for (const auto& [key, entry] : ratios.items()) {
            baseline_entry e;
            e.value = entry.at("value").get<double>();
            e.tolerance = entry.value("tolerance", 0.4);
            e.ratio = entry.value("ratio", std::string());
            if (!(e.value > 0) || !(e.tolerance > 0))
                throw baseline_error(fmt::format("{}: ratios.{}: value and tolerance must be positive", name, key));
            out.ratios[key] = e;
        }
    } catch (const nlohmann::json::exception& e) {
        throw baseline_error(fmt::format("{}: not a baseline: {}", name, e.what()));
    }
    return out;
}

// Why a probed arm the ratio names was slow, in the words of its findings: the place that held
// its loop longest ("orders: the loop was blocked 20 times (1.00 s) at app.py:27 …"), or empty.
static std::string blocked_in(const ratio_expr& expr, const scenario_result& result) {
    for (const auto& name : {expr.arm_a, expr.arm_b})
        for (const auto& a : result.arms)
            if (a.spec.name == name && !name.empty())
                if (auto top = top_blocked(a.stats); !top.empty()) return name + ": " + top;
    return "";
}

// The same expression, spaces aside: "a.wall / b.wall" is "a.wall/b.wall".
static bool same_ratio(const std::string& a, const std::string& b) {
    auto squeeze = [](std::string s) {
        std::erase_if(s, [](unsigned char c) { return std::isspace(c); });
        return s;
    };
    return squeeze(a) == squeeze(b);
}

std::vector<check_row> evaluate_expectations(const std::vector<expectation>& expectations,
                                             const scenario_result& result, const baseline* recorded) {
    std::vector<check_row> rows;
    for (const auto& e : expectations) {
        check_row row;
        row.scenario = result.name;
        row.name = e.name;
        row.ratio = e.ratio;
        row.min = e.min;
        row.max = e.max;
        row.tolerance = e.tolerance;
        if (recorded) {
            auto it = recorded->ratios.find(result.name + "/" + e.name);
            // An entry measures the expression it was recorded for: under a renamed or rewritten
            // ratio it would judge one quantity by another's value. It is named stale, not used.
            if (it != recorded->ratios.end() && same_ratio(it->second.ratio, e.ratio)) row.recorded = it->second;
            else if (it != recorded->ratios.end()) row.stale = it->second;
        }
        std::string error;
        auto expr = parse_ratio(e.ratio, error);
        if (expr) row.measured = evaluate(*expr, result, error);
        if (!row.measured) {
            row.error = error;
            row.margin = -1;
            rows.push_back(row);
            continue;
        }
        // Each limit gives a relative margin; the tightest one decides.
        const double v = *row.measured;
        std::vector<double> margins;
        if (e.min) margins.push_back((v - *e.min) / *e.min);
        if (e.max) margins.push_back((*e.max - v) / *e.max);
        if (row.recorded) margins.push_back(row.recorded->tolerance - std::abs(v / row.recorded->value - 1));
        row.margin = *std::min_element(margins.begin(), margins.end());
        row.pass = row.margin >= 0;
        if (!row.pass) row.blocked = blocked_in(*expr, result);
        rows.push_back(row);
    }
    return rows;
}

}  // namespace lab
