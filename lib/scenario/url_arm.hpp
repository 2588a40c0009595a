#pragma once
// `load URL` as the lab runs it: the arm a bare URL describes (route, t and model read from the
// URL when it names a lab route, nothing assumed when it does not), run once, analysed and
// measured as a scenario's arm is, and returned as a one-arm scenario result.
#include "load/load_generator.hpp"
#include "model/records.hpp"

#include <string>
#include <vector>

namespace lab {

arm_spec arm_for_url(const load_options& options);

// The URL of `load`, or input_error saying why it is none.
target_url parse_load_url(const std::string& text);

struct url_load {
    scenario_result result;             // scenario "load", titled with the URL; its one arm "load"
    std::vector<std::string> warnings;  // how the run ended, when not as asked: for stderr too
};

// One run of `options` (its url set); throws input_error when the host does not resolve or the
// schedule is beyond what one run records, fd_limit_error when the connections cannot be held.
url_load run_url_load(const load_options& options, const std::string& title);

}  // namespace lab
