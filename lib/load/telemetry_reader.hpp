#pragma once
// Reads what a lab server measured of itself from GET /metrics?format=json (lib/server's
// metrics_board writes it). Bytes from the network: a body that is not that document gives
// nullopt, never a throw or a crash.
#include "model/records.hpp"

#include <optional>
#include <string_view>

namespace lab {

std::optional<server_telemetry> read_telemetry(std::string_view body);

}  // namespace lab
