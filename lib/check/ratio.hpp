#pragma once
// Ratios over a scenario's arms, as expectations state them: "A.metric / B.metric" or
// "A.metric". Only dimensionless numbers: a machine that is slower today moves every
// time, not their ratios.
#include "model/records.hpp"

#include <optional>
#include <string>

namespace lab {

struct ratio_expr {
    std::string arm_a, metric_a;
    std::string arm_b, metric_b;  // empty for a single term
};

// The metrics a term may name.
const std::vector<std::string>& ratio_metrics();

// Parses "A.metric / B.metric" or "A.metric"; on failure says why in `error`.
std::optional<ratio_expr> parse_ratio(const std::string& text, std::string& error);

// A term of a single-term expression must be dimensionless on its own.
bool is_dimensionless(const std::string& metric);

// Evaluates against a result; nullopt (with `error`) when an arm or value is missing.
std::optional<double> evaluate(const ratio_expr& expr, const scenario_result& result, std::string& error);

}  // namespace lab
