#include "analysis/analysis.hpp"
#include "scenario/scenario_spec.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <set>
#include <toml++/toml.h>

namespace lab {

namespace {

namespace fs = std::filesystem;

// Multi-line TOML strings keep their line breaks; a lesson is one paragraph.
std::string one_paragraph(const std::string& text) {
    std::string out;
    for (char c : text) {
        bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}


// Reads one file and says exactly where it is wrong.
class file_reader {
public:
    explicit file_reader(fs::path file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const toml::node* at, const std::string& key, const std::string& what) const {
        auto line = at ? at->source().begin.line : 0;
        if (line > 0) throw scenario_error(fmt::format("{}:{}: {}: {}", file_.string(), line, key, what));
        throw scenario_error(fmt::format("{}: {}: {}", file_.string(), key, what));
    }

    void only_keys(const toml::table& table, const std::string& prefix, const std::set<std::string>& allowed) const {
        for (const auto& [key, node] : table) {
            std::string name(key.str());
            if (!allowed.contains(name))
                fail(&node, prefix + name,
                     fmt::format("unknown key (expected one of: {})", fmt::join(allowed, ", ")));
        }
    }

    std::optional<long long> integer(const toml::table& t, const std::string& prefix, const char* key,
                                     long long min, long long max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        auto value = node->value_exact<int64_t>();
        if (!value || *value < min || *value > max)
            fail(node, prefix + key, fmt::format("must be an integer from {} to {}", min, max));
        return *value;
    }

    std::optional<double> number(const toml::table& t, const std::string& prefix, const char* key, double min,
                                 double max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        auto value = node->value<double>();  // integers are accepted as numbers
        if (!value || *value < min || *value > max)
            fail(node, prefix + key, fmt::format("must be a number from {} to {}", min, max));
        return *value;
    }

    std::optional<std::string> text(const toml::table& t, const std::string& prefix, const char* key,
                                    bool required, const toml::node* owner) const {
        const toml::node* node = t.get(key);
        if (!node) {
            if (required) fail(owner, prefix + key, "missing (a string is required)");
            return std::nullopt;
        }
        auto value = node->value_exact<std::string>();
        if (!value || value->empty()) fail(node, prefix + key, "must be a non-empty string");
        return *value;
    }

    const toml::table* table(const toml::table& t, const std::string& prefix, const char* key) const {
        const toml::node* node = t.get(key);
        if (!node) return nullptr;
        if (!node->is_table()) fail(node, prefix + key, "must be a table");
        return node->as_table();
    }

    // Knobs that may appear in [defaults] and in each arm.
    void read_knobs(const toml::table& t, const std::string& prefix, arm_spec& arm) const {
        if (auto v = integer(t, prefix, "requests", 1, 1'000'000)) arm.requests = static_cast<int>(*v);
        if (auto v = integer(t, prefix, "concurrency", 1, 20'000)) arm.concurrency = static_cast<int>(*v);
        if (auto v = integer(t, prefix, "ms", 0, 60'000)) arm.ms = static_cast<double>(*v);
        if (auto v = integer(t, prefix, "pool_threads", 1, 1024)) arm.pool_threads = static_cast<int>(*v);
        if (auto v = integer(t, prefix, "repeat", 1, 100)) arm.repeat = static_cast<int>(*v);
        if (auto v = number(t, prefix, "timeout_s", 0.001, 3600)) arm.timeout_s = *v;
    }

    void read_probe(const toml::table& arm_table, const std::string& prefix, arm_spec& arm) const {
        const toml::table* probe = table(arm_table, prefix, "probe");
        if (!probe) return;
        std::string p = prefix + "probe.";
        only_keys(*probe, p, {"route", "after_ms"});
        arm.probe_route = *text(*probe, p, "route", true, arm_table.get("probe"));
        if (arm.probe_route.front() != '/') fail(probe->get("route"), p + "route", "must start with '/'");
        arm.probe_after_ms = number(*probe, p, "after_ms", 0, 60'000).value_or(0);
    }

    arm_spec read_arm(const toml::node& node, std::size_t index, const arm_spec& defaults) const {
        std::string prefix = fmt::format("arms[{}].", index);
        if (!node.is_table()) fail(&node, prefix.substr(0, prefix.size() - 1), "must be a table ([[arms]])");
        const auto& t = *node.as_table();
        only_keys(t, prefix,
                  {"name", "route", "requests", "concurrency", "ms", "pool_threads", "repeat", "timeout_s",
                   "seed_s", "probe"});
        arm_spec arm = defaults;
        arm.name = *text(t, prefix, "name", true, &node);
        arm.route = *text(t, prefix, "route", true, &node);
        arm.model = model_for_route(arm.route);
        if (arm.model == model_kind::none)
            fail(t.get("route"), prefix + "route", "unknown route (expected /blocking, /async or /pool)");
        read_knobs(t, prefix, arm);
        arm.seed_s = number(t, prefix, "seed_s", 0, 3600);
        read_probe(t, prefix, arm);
        return arm;
    }

    scenario_spec read() const {
        toml::table root;
        try {
            root = toml::parse_file(file_.string());
        } catch (const toml::parse_error& e) {
            throw scenario_error(fmt::format("{}:{}: syntax: {}", file_.string(), e.source().begin.line,
                                             e.description()));
        }
        only_keys(root, "", {"title", "lesson", "defaults", "arms"});
        scenario_spec spec;
        spec.name = file_.stem().string();
        spec.title = *text(root, "", "title", true, nullptr);
        spec.lesson = one_paragraph(*text(root, "", "lesson", true, nullptr));
        arm_spec defaults;
        if (const toml::table* d = table(root, "", "defaults")) {
            only_keys(*d, "defaults.", {"requests", "concurrency", "ms", "pool_threads", "repeat", "timeout_s"});
            read_knobs(*d, "defaults.", defaults);
        }
        const toml::node* arms = root.get("arms");
        if (!arms) fail(nullptr, "arms", "missing: a scenario needs at least one [[arms]] table");
        if (!arms->is_array() || arms->as_array()->empty())
            fail(arms, "arms", "must be a non-empty array of tables ([[arms]])");
        std::set<std::string> names;
        for (std::size_t i = 0; i < arms->as_array()->size(); ++i) {
            const toml::node& node = *arms->as_array()->get(i);
            spec.arms.push_back(read_arm(node, i, defaults));
            if (!names.insert(spec.arms.back().name).second)
                fail(node.as_table()->get("name"), fmt::format("arms[{}].name", i), "duplicate arm name");
        }
        return spec;
    }

private:
    fs::path file_;
};

std::string build_query(const arm_spec& arm) { return fmt::format("ms={}", static_cast<long long>(arm.ms)); }

}  // namespace

scenario_spec load_scenario_file(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw scenario_error(fmt::format("{}: no such scenario file", file.string()));
    auto spec = file_reader(file).read();
    apply_overrides(spec, {});
    return spec;
}

void apply_overrides(scenario_spec& spec, const scenario_overrides& o) {
    for (auto& arm : spec.arms) {
        if (o.requests) arm.requests = *o.requests;
        if (o.concurrency) arm.concurrency = *o.concurrency;
        if (o.repeat) arm.repeat = *o.repeat;
        if (o.ms) arm.ms = *o.ms;
        arm.query = build_query(arm);
    }
}

fs::path scenario_dir() {
    if (const char* env = std::getenv("CONCURRENCY_LAB_SCENARIOS"); env && *env) return env;
    return CONCURRENCY_LAB_SOURCE_DIR "/scenarios";
}

fs::path find_scenario(const std::string& name) {
    if (name.ends_with(".toml") || name.find('/') != std::string::npos) return name;
    fs::path file = scenario_dir() / (name + ".toml");
    if (!fs::is_regular_file(file))
        throw scenario_error(fmt::format("unknown scenario '{}' (run 'concurrency-lab list' to see them)", name));
    return file;
}

std::vector<fs::path> list_scenario_files() {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(scenario_dir(), ec))
        if (entry.path().extension() == ".toml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace lab
