#pragma once
// The runner's side of the Python probe (DESIGN.md §8): a folder the probed processes write
// their figures to, the environment that loads the probe into a command, and the figures read
// back as the lab server's own are.
#include "model/records.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lab {

// The command's environment with the probe loaded: its bootstrap folder (a sitecustomize) and
// its package first on PYTHONPATH, before the target's own or the driver's, and the folder to
// write to.
std::vector<std::pair<std::string, std::string>> probed_env(std::vector<std::pair<std::string, std::string>> env,
                                                            const std::filesystem::path& probe_package_dir,
                                                            const std::filesystem::path& folder);

// Asks every probed process to write its figures now (it watches for `flush` in the folder) and
// waits until each file there is newer than the asking, for at most `limit`: the processes write
// every two seconds otherwise, and a run's last second must be in what is read.
void flush_probe_folder(const std::filesystem::path& folder, std::chrono::milliseconds limit);

// Every process's probe-PID.json in the folder, as one server_telemetry; nullopt when none was
// written (the app never ran a request, or is not an ASGI app uvicorn loaded) or none reads.
std::optional<server_telemetry> read_probe_folder(const std::filesystem::path& folder);

}  // namespace lab
