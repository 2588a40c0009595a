#pragma once
// Where the lab's scenarios and results live, found at run time from the running
// executable — never a path compiled in, so a copied checkout or an installed lab reads
// and writes its own files.
#include <filesystem>
#include <vector>

namespace lab {

// The folder that holds scenarios/ and results/: an installed lab's PREFIX/share/concurrency-lab
// (the binary in PREFIX/bin), or the checkout the binary was built in (the binary somewhere
// under it, e.g. build/release/apps/...). Empty when neither is found.
std::filesystem::path lab_home(const std::filesystem::path& executable);

// $CONCURRENCY_LAB_SCENARIOS, else lab_home()/scenarios. Throws scenario_error when neither is set.
std::filesystem::path scenario_dir();

// $CONCURRENCY_LAB_RESULTS, else lab_home()/results: reference outputs and the CI baseline.
std::filesystem::path results_dir();

// $CONCURRENCY_LAB_PROBE_PATH, else lab_home()/probes/python: the folder that holds the Python
// probe's package (concurrency_lab_probe/), put on a probed command's PYTHONPATH.
std::filesystem::path probe_dir();

// NAME in the scenario directory, or a path to a .toml file. Throws scenario_error.
std::filesystem::path find_scenario(const std::string& name_or_path);

// Every scenario file in the directory, sorted by name. Throws scenario_error when the
// folder cannot be read or holds none: a run over nothing must not look like success.
std::vector<std::filesystem::path> list_scenario_files();

}  // namespace lab
