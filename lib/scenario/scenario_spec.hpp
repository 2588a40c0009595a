#pragma once
// A scenario as read from scenarios/NAME.toml, and the command-line overrides on top.
#include "model/input_error.hpp"
#include "model/records.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct scenario_spec {
    std::string name;  // the file's stem
    std::string title;
    std::string lesson;
    std::vector<arm_spec> arms;
    std::string baseline;  // arm name that speedups are measured against; empty: none
    std::vector<expectation> expectations;
    bool long_running = false;  // `long = true`: `scenario all` skips it unless asked
    std::vector<service_spec> services;  // started before the arms, stopped after the last (DESIGN.md §10)
};

struct scenario_overrides {
    std::optional<int> requests, concurrency, repeat;
    std::optional<int> ms;  // whole milliseconds, as the lab's routes take them
    std::optional<double> timeout_s;
};

// One line, with file, line and key where known: "scenarios/x.toml:7: arms[0].ms: must be ..."
struct scenario_error : input_error {
    using input_error::input_error;
};

// Every key the reader accepts, where it may stand. docs/scenario-file.md lists the same
// keys, and a test holds the two together.
struct scenario_key_sets {
    std::set<std::string> top, defaults, arms, probe, expect, target, services;
};
const scenario_key_sets& scenario_keys();

// Parses and validates one scenario file. Throws scenario_error.
scenario_spec load_scenario_file(const std::filesystem::path& file);

// The same, from text; `file` names it in errors and gives the scenario its name.
scenario_spec parse_scenario(std::string_view content, const std::filesystem::path& file);

// Applies overrides to every arm, then settles each arm's model, lanes and (except for
// /cpu, whose n the runner calibrates) its query string. `ms` reaches only the lab's own arms:
// another server's path fixes what it measures, and a t that its path does not ask for would
// invert its verdict. Returns one note per arm that kept its own t; throws scenario_error when
// --ms reaches no arm of the scenario at all.
std::vector<std::string> apply_overrides(scenario_spec& spec, const scenario_overrides& overrides);

// Cores of this machine, as the ideal models count them.
int machine_cores();

}  // namespace lab
