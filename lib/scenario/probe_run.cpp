#include "scenario/probe_run.hpp"

#include "load/telemetry_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lab {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> probed_env(std::vector<std::pair<std::string, std::string>> env,
                                                            const fs::path& probe_package_dir, const fs::path& folder) {
    std::string path = (probe_package_dir / "concurrency_lab_probe" / "bootstrap").string() + ":" +
                       probe_package_dir.string();
    auto own = std::find_if(env.begin(), env.end(), [](const auto& e) { return e.first == "PYTHONPATH"; });
    if (own != env.end()) {
        if (!own->second.empty()) path += ":" + own->second;
        env.erase(own);
    } else if (const char* driver = std::getenv("PYTHONPATH"); driver && *driver) {
        path += std::string(":") + driver;
    }
    env.emplace_back("PYTHONPATH", path);
    env.emplace_back("CONCURRENCY_LAB_PROBE_DIR", folder.string());
    return env;
}

namespace {

std::vector<fs::path> probe_files(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().starts_with("probe-") && it->path().extension() == ".json")
            files.push_back(it->path());
    return files;
}

}  // namespace

void flush_probe_folder(const fs::path& folder, std::chrono::milliseconds limit) {
    const fs::path flush = folder / "flush";
    std::ofstream(flush) << "flush\n";
    std::error_code ec;
    const auto asked = fs::last_write_time(flush, ec);
    if (ec) return;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto files = probe_files(folder);
        const bool all_newer = !files.empty() && std::all_of(files.begin(), files.end(), [&](const fs::path& f) {
            std::error_code e;
            return fs::last_write_time(f, e) >= asked && !e;
        });
        if (all_newer) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::optional<server_telemetry> read_probe_folder(const fs::path& folder) {
    // One document of every process's, in the shape of the lab server's GET /metrics?format=json.
    std::string doc = "{\"processes\":[";
    bool any = false;
    for (const auto& file : probe_files(folder)) {
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        // A file cut short or not the probe's (written by whom?) is left out, not the others with it.
        if (!read_telemetry("{\"processes\":[" + text.str() + "]}")) continue;
        doc += (any ? "," : "") + text.str();
        any = true;
    }
    if (!any) return std::nullopt;
    return read_telemetry(doc + "]}");
}

}  // namespace lab
