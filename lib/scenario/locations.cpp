#include "scenario/locations.hpp"

#include "model/suggest.hpp"

#include "process/server_process.hpp"
#include "scenario/scenario_spec.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

namespace lab {

namespace fs = std::filesystem;

fs::path lab_home(const fs::path& executable) {
    std::error_code ec;
    for (fs::path p = executable.parent_path(); !p.empty(); p = p.parent_path()) {
        if (fs::is_directory(p / "share/concurrency-lab/scenarios", ec)) return p / "share/concurrency-lab";
        // A checkout: its scenarios beside the build tree the binary sits in.
        if (fs::is_directory(p / "scenarios", ec) && fs::is_directory(p / "results", ec)) return p;
        if (p == p.root_path()) break;
    }
    return {};
}

namespace {

const fs::path& home() {
    static const fs::path found = [] {
        try {
            return lab_home(self_executable());
        } catch (const std::exception&) {
            return fs::path();
        }
    }();
    return found;
}

fs::path located(const char* env_name, const char* folder) {
    if (const char* env = std::getenv(env_name); env && *env) return env;
    if (home().empty())
        throw scenario_error(fmt::format("cannot find the lab's {} folder beside the executable (set {})", folder,
                                         env_name));
    return home() / folder;
}

}  // namespace

fs::path scenario_dir() { return located("CONCURRENCY_LAB_SCENARIOS", "scenarios"); }

fs::path results_dir() { return located("CONCURRENCY_LAB_RESULTS", "results"); }

fs::path probe_dir() { return located("CONCURRENCY_LAB_PROBE_PATH", "probes/python"); }

fs::path find_scenario(const std::string& name) {
    if (name.ends_with(".toml") || name.find('/') != std::string::npos) return name;
    fs::path file = scenario_dir() / (name + ".toml");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        std::vector<std::string> known;
        for (fs::directory_iterator it(scenario_dir(), ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".toml") known.push_back(it->path().stem().string());
        throw scenario_error(fmt::format("unknown scenario '{}'{} (run 'concurrency-lab list' to see them)", name,
                                         did_you_mean(name, known)));
    }
    return file;
}

std::vector<fs::path> list_scenario_files() {
    const fs::path dir = scenario_dir();
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".toml") files.push_back(it->path());
    if (ec) throw scenario_error(fmt::format("cannot read the scenario folder {}: {}", dir.string(), ec.message()));
    if (files.empty()) throw scenario_error(fmt::format("no scenario files (*.toml) in {}", dir.string()));
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace lab
