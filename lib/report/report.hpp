#pragma once
// Renderers: one result object in, text out. Pure (no sockets, no files).
#include "model/records.hpp"

#include <string>

namespace lab {

enum class output_format { table, json, csv, markdown };

// The projector view: title, lesson, the arms table, latencies, findings.
std::string render_table(const scenario_result& result);

// One JSON document: {"scenario", "title", "lesson", "arms": [...], "notes": [...]}.
std::string render_json(const scenario_result& result);

// The arm object alone, as `load --format json` prints it.
std::string render_arm_json(const arm_result& arm);

std::string render(const scenario_result& result, output_format format);

}  // namespace lab
