#include "analysis/analysis.hpp"
#include "check/ratio.hpp"
#include "load/load_generator.hpp"
#include "load/request_parts.hpp"
#include "model/client_knobs.hpp"
#include "model/knobs.hpp"
#include "model/service_kinds.hpp"
#include "model/limits.hpp"
#include "scenario/scenario_spec.hpp"
#include "model/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <set>
#include <charconv>
#include <fstream>
#include <thread>
#include <toml++/toml.h>

namespace lab {

namespace {

namespace fs = std::filesystem;

std::string path_of(route_id id) { return std::string(route(id).path); }

// A TOML integer written in decimal, as on the command line: TOML's 0x10, 0o10 and 0b1 are not.
std::optional<long long> decimal_integer(const toml::node& node) {
    if (!node.is_integer() || node.as_integer()->flags() != toml::value_flags::none) return std::nullopt;
    return node.as_integer()->get();
}

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


// Bounds on what toml++ is given. It parses dotted keys and nested arrays and tables by
// recursion, so 50 000 key parts overflow the stack; no lesson needs more than a few.
constexpr std::size_t max_file_bytes = 1 << 20;
constexpr int max_key_parts = 16;
constexpr int max_nesting = 32;
constexpr std::size_t max_arms = 256;

// Scans outside strings and comments: the most dots in one run of key or value characters
// (a dotted key's parts; a float or a time has one) and the deepest nesting of [ and {.
void check_shape(std::string_view text, const fs::path& file) {
    if (text.size() > max_file_bytes)
        throw scenario_error(fmt::format("{}: larger than 1 MiB; a scenario file is a few KiB", file.string()));
    int line = 1, depth = 0, dots = 0;
    char quote = 0;      // inside a string: its quote character
    bool multi = false;  // a multi-line string, between triple quotes
    bool comment = false;
    auto fail = [&](const std::string& what) {
        throw scenario_error(fmt::format("{}:{}: {}", file.string(), line, what));
    };
    auto triple = [&](std::size_t i, char q) { return text.substr(i, 3) == std::string(3, q); };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            comment = false;
            if (!multi) quote = 0;  // a one-line string cannot span lines (toml++ reports it)
            dots = 0;
            continue;
        }
        if (comment) continue;
        if (quote) {
            if (c == '\\' && quote == '"') {
                ++i;
            } else if (c == quote && (!multi || triple(i, quote))) {
                if (multi) i += 2;
                quote = 0;
                multi = false;
            }
            continue;
        }
        switch (c) {
            case '#': comment = true; break;
            case '"':
            case '\'':
                quote = c;
                multi = triple(i, c);
                if (multi) i += 2;
                break;
            case '.':
                if (++dots >= max_key_parts) fail(fmt::format("a key of more than {} parts", max_key_parts));
                break;
            case '[':
            case '{':
                if (++depth > max_nesting) fail(fmt::format("arrays or tables nested deeper than {}", max_nesting));
                dots = 0;
                break;
            case ']':
            case '}':
                depth = std::max(0, depth - 1);
                dots = 0;
                break;
            case '=':
            case ',': dots = 0; break;
            default: break;
        }
    }
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
            if (allowed.contains(name)) continue;
            fail(&node, prefix + name,
                 fmt::format("unknown key{} (expected one of: {})", did_you_mean(name, {allowed.begin(), allowed.end()}),
                             fmt::join(allowed, ", ")));
        }
    }

    std::optional<long long> integer(const toml::table& t, const std::string& prefix, const char* key,
                                     long long min, long long max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        const auto value = decimal_integer(*node);
        if (!value || *value < min || *value > max)
            fail(node, prefix + key, fmt::format("must be an integer from {} to {}", min, max));
        return *value;
    }

    // An integer, or "cores" / "K*cores" for a count that follows the machine.
    std::optional<long long> count(const toml::table& t, const std::string& prefix, const char* key, long long min,
                                   long long max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        const auto refuse = [&] {
            fail(node, prefix + key, fmt::format("must be an integer from {} to {}, \"cores\" or \"K*cores\"", min, max));
        };
        if (node->is_integer()) {
            const auto value = decimal_integer(*node);
            if (!value || *value < min || *value > max) refuse();
            return *value;
        }
        auto text = node->value_exact<std::string>();
        // "cores", or K*cores with K in decimal digits alone (no sign, no space, no 1.5 or 1e2).
        long long factor = 0;
        if (text && *text == "cores") factor = 1;
        if (text && text->ends_with("*cores")) {
            const std::string_view k(text->data(), text->size() - 6);
            auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), factor);
            if (k.empty() || ec != std::errc{} || end != k.data() + k.size() || k.front() == '0') factor = 0;
        }
        // factor × cores, unless it would pass max (and overflow for a K of 19 digits).
        const long long value = factor > 0 && factor <= max / machine_cores() ? factor * machine_cores() : max + 1;
        if (factor <= 0 || value < min || value > max) refuse();
        return value;
    }

    std::optional<bool> boolean(const toml::table& t, const std::string& prefix, const char* key) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        auto value = node->value_exact<bool>();
        if (!value) fail(node, prefix + key, "must be true or false");
        return *value;
    }

    std::optional<std::string> choice(const toml::table& t, const std::string& prefix, const char* key,
                                      const std::set<std::string>& allowed) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        auto value = node->value_exact<std::string>();
        if (!value || !allowed.contains(*value))
            fail(node, prefix + key, fmt::format("must be one of: {}", fmt::join(allowed, ", ")));
        return *value;
    }

    std::optional<double> number(const toml::table& t, const std::string& prefix, const char* key, double min,
                                 double max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        auto value = node->value<double>();  // integers are accepted as numbers
        if (!value || !std::isfinite(*value) || *value < min || *value > max)
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
        // Names and titles reach terminals, tables and files: an ESC would drive the terminal, a
        // NUL cut a C string, a line break split a table row. Only the lesson has lines.
        const bool lines = std::string_view(key) == "lesson";
        for (unsigned char c : *value)
            if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) || c == 0x7f)
                fail(node, prefix + key, fmt::format("contains a control character (U+{:04X}); {}", c,
                                                     lines ? "only line breaks and tabs may stand in it"
                                                           : "it must be one line of printable text"));
        return *value;
    }

    const toml::table* table(const toml::table& t, const std::string& prefix, const char* key) const {
        const toml::node* node = t.get(key);
        if (!node) return nullptr;
        if (!node->is_table()) fail(node, prefix + key, "must be a table");
        return node->as_table();
    }

    // The load's knobs, in [defaults] and in each arm, on any target.
    // An integer or number knob of the client's table (model/client_knobs.hpp): its key and range.
    std::optional<long long> client_count(const toml::table& t, const std::string& prefix, std::string_view name) const {
        const auto& knob = client_knob_named(name);
        return count(t, prefix, knob.key.c_str(), static_cast<long long>(knob.min), static_cast<long long>(knob.max));
    }
    std::optional<double> client_number(const toml::table& t, const std::string& prefix, std::string_view name) const {
        const auto& knob = client_knob_named(name);
        return number(t, prefix, knob.key.c_str(), knob.min, knob.max);
    }

    // The load's knobs, in [defaults] and in each arm, on any target.
    void read_knobs(const toml::table& t, const std::string& prefix, arm_spec& arm) const {
        if (auto v = client_count(t, prefix, "requests")) arm.load.requests = static_cast<int>(*v);
        if (auto v = client_count(t, prefix, "concurrency")) arm.load.concurrency = static_cast<int>(*v);
        if (auto v = integer(t, prefix, "ms", 0, max_handler_ms)) arm.ms = static_cast<double>(*v);
        if (auto v = client_count(t, prefix, "repeat")) arm.load.repeat = static_cast<int>(*v);
        if (auto v = client_number(t, prefix, "timeout")) arm.load.timeout_s = *v;
        if (auto v = client_number(t, prefix, "rate")) arm.load.rate = *v;
        if (auto v = choice(t, prefix, "connection", {"keep-alive", "close"})) arm.load.connection_close = *v == "close";
        if (auto v = boolean(t, prefix, "cold")) arm.load.cold = *v;
    }

    // A foreign arm's request: its method, header lines ("Name: value", as -H takes them) and
    // body, checked as the command line checks them. A body without a method is a POST, as in curl.
    void read_request(const toml::table& t, const std::string& prefix, arm_spec& arm) const {
        try {
            if (t.contains("headers"))
                for (const auto& line : strings(t.get("headers"), prefix + "headers")) arm.load.headers.push_back(parse_header(line));
        } catch (const std::invalid_argument& e) {
            fail(t.get("headers"), prefix + "headers", e.what());
        }
        if (t.contains("body") && t.contains("body_file")) fail(t.get("body_file"), prefix + "body_file", "give body or body_file, not both");
        if (const toml::node* body = t.get("body")) {
            // Any bytes: a body is the payload, not text the lab prints (a JSON body has line breaks).
            auto v = body->value_exact<std::string>();
            if (!v) fail(body, prefix + "body", "must be a string");
            if (v->size() > max_body_bytes) fail(body, prefix + "body", fmt::format("is larger than {} MiB", max_body_bytes >> 20));
            arm.load.body = *v;
        }
        if (auto file = text(t, prefix, "body_file", false, nullptr)) {
            const fs::path path(*file);
            try {
                arm.load.body = read_body_file(path.is_absolute() ? path : file_.parent_path() / path);
            } catch (const std::invalid_argument& e) {
                fail(t.get("body_file"), prefix + "body_file", e.what());
            }
        }
        const bool has_body = t.contains("body") || t.contains("body_file");
        if (auto method = text(t, prefix, "method", false, nullptr)) {
            try {
                check_method(*method);
            } catch (const std::invalid_argument& e) {
                fail(t.get("method"), prefix + "method", e.what());
            }
            arm.load.method = *method;
        } else if (has_body) {
            arm.load.method = "POST";
        }
    }

    // The lab server's knobs (model/knobs.hpp), in [defaults] and in each lab arm.
    void read_server_knobs(const toml::table& t, const std::string& prefix, server_config& server) const {
        for (const auto& knob : server_knobs()) {
            if (knob.key.empty()) continue;
            const char* key = knob.key.c_str();
            if (const auto* flag = std::get_if<bool server_config::*>(&knob.member)) {
                if (auto v = boolean(t, prefix, key)) server.*(*flag) = *v;
            } else if (const auto* n = std::get_if<int server_config::*>(&knob.member)) {
                auto v = knob.cores ? count(t, prefix, key, knob.min, knob.max) : integer(t, prefix, key, knob.min, knob.max);
                if (v) server.*(*n) = static_cast<int>(*v);
            } else if (const auto* str = std::get_if<std::string server_config::*>(&knob.member)) {
                if (auto v = text(t, prefix, key, false, nullptr)) server.*(*str) = *v;
            }
        }
    }

    // A knob that needs another (reuse_port needs workers), once [defaults] and the arm are read.
    // Checked on the arms a sweep made, so sweep_workers counts as workers.
    void check_needs(const toml::table& root, const toml::table& t, const std::string& prefix,
                     const server_config& server) const {
        for (const auto& knob : server_knobs()) {
            if (knob.needs.empty() || knob_value(knob, server) == knob_value(knob, server_config{})) continue;
            for (const auto& other : server_knobs()) {
                if (other.key != knob.needs || knob_value(other, server) != knob_value(other, server_config{})) continue;
                if (t.contains(knob.key)) fail(t.get(knob.key), prefix + knob.key, fmt::format("needs {}", knob.needs));
                const toml::table* d = root.get("defaults") ? root.get("defaults")->as_table() : nullptr;
                fail(d ? d->get(knob.key) : nullptr,
                     fmt::format("defaults.{} (for {})", knob.key, prefix.substr(0, prefix.size() - 1)),
                     fmt::format("needs {}", knob.needs));
            }
        }
    }

    void read_probe(const toml::table& arm_table, const std::string& prefix, arm_spec& arm) const {
        const toml::table* probe = table(arm_table, prefix, "probe");
        if (!probe) return;
        std::string p = prefix + "probe.";
        only_keys(*probe, p, scenario_keys().probe);
        arm.load.probe_route = *text(*probe, p, "route", true, arm_table.get("probe"));
        if (arm.load.probe_route.front() != '/') fail(probe->get("route"), p + "route", "must start with '/'");
        arm.load.probe_after_ms = number(*probe, p, "after_ms", 0, max_handler_ms).value_or(0);
    }

    std::vector<std::string> strings(const toml::node* node, const std::string& key) const {
        std::vector<std::string> out;
        const auto* array = node ? node->as_array() : nullptr;
        if (!array || array->empty()) fail(node, key, "must be a non-empty array of strings");
        for (const auto& item : *array) {
            auto v = item.value_exact<std::string>();
            if (!v || v->empty()) fail(&item, key, "must be a non-empty array of strings");
            out.push_back(*v);
        }
        return out;
    }

    // A request path as it goes on the wire: visible ASCII, starting with '/'. A space, CR or
    // LF would end the request line early and let the file write headers of its own.
    void request_path(const toml::table& t, const std::string& prefix, const char* key, const std::string& value) const {
        if (value.front() != '/') fail(t.get(key), prefix + key, "must start with '/'");
        for (unsigned char c : value)
            if (c <= 0x20 || c >= 0x7f)
                fail(t.get(key), prefix + key, "must be visible ASCII (percent-encode spaces and other bytes)");
    }

    // A [target] table, or an arm's `target`: "lab", a table with `command` (the runner starts
    // it), or one with `url` (someone else runs it). DESIGN.md §8.
    target_spec read_target(const toml::node& node, const std::string& key) const {
        if (auto v = node.value_exact<std::string>()) {
            if (*v != "lab") fail(&node, key, "must be \"lab\" or a table with command or url");
            return lab_target{};
        }
        if (!node.is_table()) fail(&node, key, "must be \"lab\" or a table with command or url");
        const auto& t = *node.as_table();
        const std::string p = key + ".";
        only_keys(t, p, scenario_keys().target);
        const bool has_command = t.contains("command"), has_url = t.contains("url");
        if (has_command == has_url) fail(&node, key, "needs exactly one of command and url");
        if (has_url) {
            url_target u{*text(t, p, "url", true, &node)};
            // Checked now, as `load` checks its URL: http, a host, a port 1 … 65535, no path of its own
            // (the arms' paths are requested).
            try {
                auto parsed = parse_url(u.url);
                if (parsed.target != "/" || u.url.find('@') != std::string::npos)
                    fail(t.get("url"), p + "url", "must be http[s]://host:port only (the arms name their paths)");
            } catch (const std::invalid_argument& e) {
                fail(t.get("url"), p + "url", e.what());
            }
            for (const char* lab_only : {"cwd", "env", "ready", "ready_timeout_s", "needs", "probe", "https"})
                if (t.contains(lab_only)) fail(t.get(lab_only), p + lab_only, "only a command target takes it");
            if (auto socket = text(t, p, "unix_socket", false, nullptr)) {
                if (socket->size() >= 108) fail(t.get("unix_socket"), p + "unix_socket", "must be shorter than 108 bytes (a unix socket's limit)");
                u.unix_socket = *socket;
            }
            u.tls = read_tls(t, p, parse_url(u.url).tls);
            return u;
        }
        if (t.contains("unix_socket"))
            fail(t.get("unix_socket"), p + "unix_socket", "only a url target takes it (a command listens on \"{socket}\")");
        command_target c;
        c.argv = strings(t.get("command"), p + "command");
        c.cwd = folder(t, p);
        if (const toml::table* env = table(t, p, "env"))
            for (const auto& [name, value] : *env) {
                const std::string key(name.str());
                const bool good = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
                                  std::all_of(key.begin(), key.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
                if (!good) fail(&value, p + "env", fmt::format("'{}' is not a variable name (letters, digits, _)", key));
                auto v = value.value_exact<std::string>();
                if (!v) fail(&value, p + "env." + key, "must be a string");
                c.env.emplace_back(key, *v);
            }
        if (auto ready = text(t, p, "ready", false, nullptr)) {
            request_path(t, p, "ready", *ready);
            c.ready = *ready;
        }
        if (auto v = number(t, p, "ready_timeout_s", 0.1, 600)) c.ready_timeout_s = *v;
        if (auto v = boolean(t, p, "https")) c.https = *v;
        c.tls = read_tls(t, p, c.https);
        if (const auto* probe = t.get("probe")) {
            auto v = probe->value_exact<bool>();
            if (!v) fail(probe, p + "probe", "must be true or false");
            c.probe = *v;
        }
        if (t.contains("needs")) {
            c.needs = strings(t.get("needs"), p + "needs");
            // Debian's syntax for a package name: nothing a shell or apt-get would read as more.
            for (const auto& name : c.needs)
                if (name.size() < 2 || !std::islower(static_cast<unsigned char>(name[0])) && !std::isdigit(static_cast<unsigned char>(name[0])) ||
                    name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+-.") != std::string::npos)
                    fail(t.get("needs"), p + "needs", fmt::format("'{}' is not a Debian package name", name));
        }
        return c;
    }

    // A command's `cwd`: absolute, or relative to the scenario file; it must exist. Empty: the lab's.
    std::string folder(const toml::table& t, const std::string& p) const {
        const auto cwd = text(t, p, "cwd", false, nullptr);
        if (!cwd) return {};
        const fs::path dir(*cwd);
        const std::string resolved = (dir.is_absolute() ? dir : file_.parent_path() / dir).lexically_normal().string();
        std::error_code ec;
        if (!fs::is_directory(resolved, ec)) fail(t.get("cwd"), p + "cwd", fmt::format("no such folder {}", resolved));
        return resolved;
    }

    // A target's trust in an https server (`insecure`, `cacert`, as load's flags): only for https.
    tls_options read_tls(const toml::table& t, const std::string& p, bool https) const {
        tls_options tls;
        for (const char* key : {"insecure", "cacert"})
            if (t.contains(key) && !https) fail(t.get(key), p + key, "only for an https target");
        if (auto v = boolean(t, p, "insecure")) tls.insecure = *v;
        if (auto cacert = text(t, p, "cacert", false, nullptr)) {
            const fs::path path(*cacert);
            tls.cacert = (path.is_absolute() ? path : file_.parent_path() / path).lexically_normal().string();
            std::error_code ec;
            if (!fs::is_regular_file(tls.cacert, ec)) fail(t.get("cacert"), p + "cacert", fmt::format("no such file {}", tls.cacert));
        }
        if (tls.insecure && !tls.cacert.empty()) fail(t.get("cacert"), p + "cacert", "insecure skips the check cacert would make: give one");
        return tls;
    }

    // An arm on a server that is not the lab's: a path to request, the t of the models in `ms`,
    // and optionally the model it is expected to follow; none of the lab's server knobs.
    void read_foreign_arm(const toml::table& t, const std::string& prefix, const toml::node& node, arm_spec& arm) const {
        arm.path = *text(t, prefix, "path", true, &node);
        request_path(t, prefix, "path", arm.path);
        std::vector<std::string> lab_only{"route", "on", "sweep_workers", "work"};
        for (const auto& knob : server_knobs())
            if (!knob.key.empty()) lab_only.push_back(knob.key);
        for (const auto& key : lab_only)
            if (t.contains(key)) fail(t.get(key), prefix + key, "only for the lab's own server (target = \"lab\")");
        arm.route = route_id::unknown;
        arm.model = model_kind::none;
        arm.server = server_config{};  // whatever [defaults] says of the lab's server knobs
        if (auto m = choice(t, prefix, "model", {"serialized", "concurrent", "pool"}))
            arm.model = *m == "serialized" ? model_kind::serialized : *m == "concurrent" ? model_kind::concurrent : model_kind::pool;
        // The pool model's lanes: what bounds the server's concurrency (FastAPI's 40 threads by
        // default; a database pool's 15 where that is smaller).
        if (auto v = integer(t, prefix, "lanes", 1, 1024)) {
            if (arm.model != model_kind::pool) fail(t.get("lanes"), prefix + "lanes", "only with model = \"pool\"");
            arm.server.pool_threads = static_cast<int>(*v);
        }
        read_knobs(t, prefix, arm);
        // Another server's t is what the file says, or nothing: no default of 100 ms stands in
        // for it, so a run with no t is measured but judged against no model.
        if (!t.contains("ms") && !defaults_ms_) arm.ms = 0;
        arm.seed_s = number(t, prefix, "seed_s", 0, 3600);
        if (auto v = boolean(t, prefix, "expect_failures")) arm.expect_failures = *v;
        read_probe(t, prefix, arm);
        read_request(t, prefix, arm);
    }

    // A lab arm's route: one of the table's arm routes, asked for with the table's method.
    void read_route(const toml::table& t, const std::string& prefix, const toml::node& node, arm_spec& arm) const {
        const std::string path = *text(t, prefix, "route", true, &node);
        arm.route = find_route(path);
        if (arm.route == route_id::unknown || !route(arm.route).arm)
            fail(t.get("route"), prefix + "route", fmt::format("unknown route (expected {})", arm_route_list()));
        const http_method wanted = route(arm.route).method;
        const auto method = choice(t, prefix, "method", {"GET", "POST"});
        if (method && *method != to_string(wanted))
            fail(t.get("method"), prefix + "method", fmt::format("{} takes {}", path, to_string(wanted)));
        if (wanted == http_method::post && !method)
            fail(t.get("route"), prefix + "method", fmt::format("{} takes jobs by POST: add method = \"POST\"", path));
        arm.model = route(arm.route).model;
    }

    arm_spec read_arm(const toml::node& node, std::size_t index, const arm_spec& defaults) const {
        std::string prefix = fmt::format("arms[{}].", index);
        if (!node.is_table()) fail(&node, prefix.substr(0, prefix.size() - 1), "must be a table ([[arms]])");
        const auto& t = *node.as_table();
        only_keys(t, prefix, scenario_keys().arms);
        arm_spec arm = defaults;
        arm.name = *text(t, prefix, "name", true, &node);
        if (const toml::node* target = t.get("target")) arm.target = read_target(*target, prefix + "target");
        if (!on_lab(arm)) {
            read_foreign_arm(t, prefix, node, arm);
            return arm;
        }
        for (const char* foreign_only : {"path", "model", "headers", "body", "body_file", "lanes"})
            if (t.contains(foreign_only))
                fail(t.get(foreign_only), prefix + foreign_only, "only for a target other than the lab's server (a lab arm names a route)");
        read_route(t, prefix, node, arm);
        read_server_knobs(t, prefix, arm.server);
        if (auto v = choice(t, prefix, "work", {"sleep", "cpu"})) {
            if (!queues_jobs(arm)) fail(t.get("work"), prefix + "work", fmt::format("only {} takes 'work'", path_of(route_id::tasks)));
            arm.cpu_task = *v == "cpu";
        }
        read_knobs(t, prefix, arm);
        arm.seed_s = number(t, prefix, "seed_s", 0, 3600);
        if (auto v = choice(t, prefix, "on", {"loop", "pool"})) {
            if (arm.route != route_id::cpu) fail(t.get("on"), prefix + "on", fmt::format("only {} takes 'on'", path_of(route_id::cpu)));
            arm.on = *v == "pool" ? cpu_place::pool : cpu_place::loop;
        }
        if (auto v = boolean(t, prefix, "expect_failures")) arm.expect_failures = *v;
        read_probe(t, prefix, arm);
        return arm;
    }

    // [[expect]] tables: a ratio over this scenario's arms and the bounds that define the lesson.
    void read_expectations(const toml::table& root, const std::set<std::string>& arms, scenario_spec& spec) const {
        const toml::node* node = root.get("expect");
        if (!node) return;
        if (!node->is_array()) fail(node, "expect", "must be an array of tables ([[expect]])");
        std::set<std::string> seen;
        for (std::size_t i = 0; i < node->as_array()->size(); ++i) {
            const toml::node& item = *node->as_array()->get(i);
            std::string prefix = fmt::format("expect[{}].", i);
            if (!item.is_table()) fail(&item, prefix + "", "must be a table");
            const auto& t = *item.as_table();
            only_keys(t, prefix, scenario_keys().expect);
            expectation e;
            e.name = *text(t, prefix, "name", true, &item);
            e.ratio = *text(t, prefix, "ratio", true, &item);
            std::string error;
            auto expr = parse_ratio(e.ratio, error);
            if (!expr) fail(t.get("ratio"), prefix + "ratio", error);
            for (const auto& arm : {expr->arm_a, expr->arm_b})
                if (!arm.empty() && !arms.contains(arm))
                    fail(t.get("ratio"), prefix + "ratio", fmt::format("names no arm '{}' of this scenario", arm));
            e.min = number(t, prefix, "min", 0, 1e9);
            e.max = number(t, prefix, "max", 0, 1e9);
            if (!e.min && !e.max) fail(&item, prefix + "min", "an expectation needs min, max or both");
            if (e.min && e.max && *e.min > *e.max) fail(t.get("max"), prefix + "max", "is below min");
            if (auto tol = number(t, prefix, "tolerance", 0.01, 10)) e.tolerance = *tol;
            if (!seen.insert(e.name).second) fail(t.get("name"), prefix + "name", "duplicate expectation name");
            spec.expectations.push_back(std::move(e));
        }
    }


    // `sweep_workers = "2*cores"` turns one arm into arms NAME-1 … NAME-M, one per worker
    // count. Each offers as many concurrent requests as it has workers, so no worker idles
    // while another holds two requests (an imbalance a throughput sweep would mistake for
    // poor scaling).
    std::vector<arm_spec> expand(const toml::node& node, std::size_t index, arm_spec arm) const {
        const auto& t = *node.as_table();
        auto top = count(t, fmt::format("arms[{}].", index), "sweep_workers", 1, 256);
        if (!top) return {arm};
        std::vector<arm_spec> arms;
        std::string base = arm.name;
        for (int w = 1; w <= *top; ++w) {
            arm.server.workers = w;
            arm.load.concurrency = w;
            arm.name = fmt::format("{}-{}", base, w);
            arms.push_back(arm);
        }
        return arms;
    }

    // [target] and [defaults]: what every arm starts from.
    arm_spec read_defaults(const toml::table& root) const {
        arm_spec defaults;
        if (const toml::node* target = root.get("target")) defaults.target = read_target(*target, "target");
        if (const toml::table* d = table(root, "", "defaults")) {
            only_keys(*d, "defaults.", scenario_keys().defaults);
            defaults_ms_ = d->contains("ms");
            read_knobs(*d, "defaults.", defaults);
            read_server_knobs(*d, "defaults.", defaults.server);
        }
        return defaults;
    }

    // The [[arms]] tables, sweeps expanded; returns the arms' names. `beside` names an arm as
    // expanded (NAME-1 …), and never the arm itself.
    std::set<std::string> read_arms(const toml::table& root, const arm_spec& defaults, scenario_spec& spec) const {
        const toml::node* arms = root.get("arms");
        if (!arms) fail(nullptr, "arms", "missing: a scenario needs at least one [[arms]] table");
        if (!arms->is_array() || arms->as_array()->empty())
            fail(arms, "arms", "must be a non-empty array of tables ([[arms]])");
        std::set<std::string> names;
        std::vector<std::size_t> origin;  // each arm's [[arms]] table (a sweep makes several)
        for (std::size_t i = 0; i < arms->as_array()->size(); ++i) {
            const toml::node& node = *arms->as_array()->get(i);
            arm_spec read = read_arm(node, i, defaults);
            if (auto b = text(*node.as_table(), fmt::format("arms[{}].", i), "beside", false, &node)) read.beside = *b;
            if (auto a = text(*node.as_table(), fmt::format("arms[{}].", i), "advice", false, &node)) {
                // Whether the advice held is whether the run followed the model the arm names.
                if (read.model == model_kind::none && !on_lab(read))
                    fail(node.as_table()->get("advice"), fmt::format("arms[{}].advice", i),
                         "needs the model the advice promises (model = \"…\")");
                read.advice = *a;
            }
            for (auto& arm : expand(node, i, std::move(read))) {
                if (on_lab(arm)) check_needs(root, *node.as_table(), fmt::format("arms[{}].", i), arm.server);
                if (!names.insert(arm.name).second)
                    fail(node.as_table()->get("name"), fmt::format("arms[{}].name", i), "duplicate arm name");
                spec.arms.push_back(std::move(arm));
                origin.push_back(i);
            }
        }
        for (std::size_t k = 0; k < spec.arms.size(); ++k) {
            const auto& beside = spec.arms[k].beside;
            if (beside.empty()) continue;
            const toml::node* at = arms->as_array()->get(origin[k])->as_table()->get("beside");
            const std::string key = fmt::format("arms[{}].beside", origin[k]);
            if (!names.contains(beside))
                fail(at, key, "names no arm of this scenario (a sweep's arms are NAME-1, NAME-2, …)");
            if (beside == spec.arms[k].name) fail(at, key, "names the arm itself");
        }
        // One server runs at a time (the runner reaps each before the next), so the bound is
        // on how long a file may keep the lab busy, not on processes alive at once.
        if (spec.arms.size() > max_arms)
            fail(arms, "arms", fmt::format("{} arms (after sweeps); at most {} in one file", spec.arms.size(), max_arms));
        return names;
    }

    scenario_spec read(std::string_view content) const {
        check_shape(content, file_);
        toml::table root;
        try {
            root = toml::parse(content, file_.string());
        } catch (const toml::parse_error& e) {
            throw scenario_error(fmt::format("{}:{}: syntax: {}", file_.string(), e.source().begin.line,
                                             e.description()));
        }
        only_keys(root, "", scenario_keys().top);
        scenario_spec spec;
        spec.name = file_.stem().string();
        spec.title = *text(root, "", "title", true, nullptr);
        spec.lesson = one_paragraph(*text(root, "", "lesson", true, nullptr));
        const auto names = read_arms(root, read_defaults(root), spec);
        if (auto b = text(root, "", "baseline", false, nullptr)) {
            if (!names.contains(*b)) fail(root.get("baseline"), "baseline", "names no arm of this scenario");
            spec.baseline = *b;
        }
        read_expectations(root, names, spec);
        spec.long_running = boolean(root, "", "long").value_or(false);
        read_services(root, spec);
        check_route_needs(spec);
        return spec;
    }

private:
    // A lab arm on a /db route needs a database, one on an /http route a downstream: said before
    // anything starts, not as a run of 503s.
    void check_route_needs(const scenario_spec& spec) const {
        const bool lends_database = std::any_of(spec.services.begin(), spec.services.end(), [](const service_spec& s) {
            const auto* kind = find_service_kind(s.kind);
            return kind && kind->placeholder == "database_url";
        });
        for (const auto& arm : spec.arms) {
            if (!on_lab(arm)) continue;
            const auto needs = route(arm.route).needs;
            const std::string key = fmt::format("arms ({})", arm.name);
            if (needs == route_needs::database && arm.server.database_url.empty() && !lends_database)
                fail(nullptr, key, fmt::format("{} queries a database: add a [[services]] of kind \"postgres\", or "
                                               "give database_url", path_of(arm.route)));
            if (needs == route_needs::downstream && arm.server.downstream.empty())
                fail(nullptr, key, fmt::format("{} calls a downstream: give downstream = \"{{NAME_url}}\" of a "
                                               "[[services]] command, or an http:// URL",
                                               path_of(arm.route)));
            if (!arm.server.downstream.empty() && arm.server.downstream.find('{') == std::string::npos) {
                try {
                    parse_downstream(arm.server.downstream);
                } catch (const std::invalid_argument& e) {
                    fail(nullptr, key + ".downstream", e.what());
                }
            }
        }
    }

    // [[services]]: a kind of the table (model/service_kinds.hpp), or a command with {port} and
    // a readiness path, as a target's. Names are unique: each lends "{NAME_url}".
    void read_services(const toml::table& root, scenario_spec& spec) const {
        const toml::node* node = root.get("services");
        if (!node) return;
        const auto* array = node->as_array();
        if (!array || array->empty() || !array->is_array_of_tables())
            fail(node, "services", "must be a non-empty array of tables ([[services]])");
        std::set<std::string> names;
        for (std::size_t i = 0; i < array->size(); ++i) {
            const auto& t = *array->get(i)->as_table();
            const std::string p = fmt::format("services[{}].", i);
            only_keys(t, p, scenario_keys().services);
            service_spec s;
            s.name = *text(t, p, "name", true, array->get(i));
            if (s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
                fail(t.get("name"), p + "name", "must be lowercase letters, digits and _ (it names a {NAME_url} placeholder)");
            if (!names.insert(s.name).second) fail(t.get("name"), p + "name", "another service has this name");
            const bool has_command = t.contains("command");
            if (has_command == t.contains("kind")) fail(array->get(i), p.substr(0, p.size() - 1), "needs exactly one of kind and command");
            if (has_command) {
                s.kind = "command";
                s.argv = strings(t.get("command"), p + "command");
                s.cwd = folder(t, p);
                if (auto ready = text(t, p, "ready", false, nullptr)) {
                    request_path(t, p, "ready", *ready);
                    s.ready = *ready;
                }
            } else {
                std::set<std::string> kinds;
                for (const auto& k : service_kinds()) kinds.insert(k.name);
                s.kind = *choice(t, p, "kind", kinds);
                for (const char* key : {"ready", "cwd"})
                    if (t.contains(key)) fail(t.get(key), p + key, "only a command service takes it");
            }
            if (auto v = number(t, p, "ready_timeout_s", 0.1, 600)) s.ready_timeout_s = *v;
            spec.services.push_back(std::move(s));
        }
    }

    fs::path file_;
    mutable bool defaults_ms_ = false;  // [defaults] names ms
};

// The model each arm promises, and its parallel lanes (DESIGN.md §4).
void settle_model(arm_spec& arm) {
    const int cores = machine_cores();
    const int processes = std::max(1, arm.server.workers);
    arm.model = route(arm.route).model;
    arm.lanes = arm.server.pool_threads * processes;
    if (arm.route == route_id::cpu) {
        int threads_per_process = arm.on == cpu_place::pool && !arm.server.gil ? arm.server.pool_threads : 1;
        arm.lanes = std::min(cores, threads_per_process * processes);
        arm.model = arm.lanes > 1 ? model_kind::parallel : model_kind::serialized;
    } else if (arm.server.workers > 1 && arm.model == model_kind::serialized) {
        arm.lanes = arm.server.workers;  // each worker's loop blocks alone
        arm.model = model_kind::parallel;
    } else if (route(arm.route).needs == route_needs::database && arm.model != model_kind::serialized) {
        // A handler holds one of the process's db_pool connections for its query: the pool's
        // term of ⌈N / min(C, threads, K)⌉ · t (DESIGN.md §10).
        const int connections = arm.server.db_pool * processes;
        if (arm.model == model_kind::pool) arm.lanes = std::min(arm.lanes, connections);
        if (arm.model == model_kind::concurrent && connections < arm.load.concurrency)
            arm.model = model_kind::pool, arm.lanes = connections;
    }
}

}  // namespace

const scenario_key_sets& scenario_keys() {
    static const scenario_key_sets keys = [] {
        scenario_key_sets k{
            {"title", "lesson", "defaults", "arms", "baseline", "expect", "long", "target", "services"},
            {"requests", "concurrency", "ms", "repeat", "timeout_s", "connection", "rate", "cold"},
            {"name", "route", "seed_s", "probe", "on", "sweep_workers", "method", "work", "expect_failures", "target",
             "path", "model", "beside", "headers", "body", "body_file", "lanes", "advice"},
            {"route", "after_ms"},
            {"name", "ratio", "min", "max", "tolerance"},
            {"command", "cwd", "env", "ready", "ready_timeout_s", "needs", "probe", "url", "unix_socket", "https",
             "insecure", "cacert"},
            {"name", "kind", "command", "cwd", "ready", "ready_timeout_s"},
        };
        for (const auto& knob : server_knobs())
            if (!knob.key.empty()) k.defaults.insert(knob.key);
        k.arms.insert(k.defaults.begin(), k.defaults.end());  // what [defaults] takes, an arm takes
        return k;
    }();
    return keys;
}

scenario_spec parse_scenario(std::string_view content, const fs::path& file) {
    auto spec = file_reader(file).read(content);
    apply_overrides(spec, {});
    return spec;
}

scenario_spec load_scenario_file(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw scenario_error(fmt::format("{}: no such scenario file", file.string()));
    std::ifstream in(file, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    if (!in && !in.eof()) throw scenario_error(fmt::format("{}: cannot read", file.string()));
    return parse_scenario(content, file);
}

std::vector<std::string> apply_overrides(scenario_spec& spec, const scenario_overrides& o) {
    // An arm on another server keeps its own path, and so its own t; the overrides set N and C.
    std::vector<std::string> kept_t;
    bool ms_applied = false;  // some arm of the lab's took it
    for (auto& arm : spec.arms) {
        if (o.requests) arm.load.requests = *o.requests;
        if (o.concurrency) arm.load.concurrency = *o.concurrency;
        if (o.repeat) arm.load.repeat = *o.repeat;
        if (o.timeout_s) arm.load.timeout_s = *o.timeout_s;
        // More connections than requests would only idle (and --requests scales c10k down).
        arm.load.concurrency = std::min(arm.load.concurrency, arm.load.requests);
        if (!on_lab(arm)) {
            if (o.ms && *o.ms != arm.ms)
                kept_t.push_back(fmt::format("--ms {} does not reach {}: its path ({}) fixes what it measures, so it "
                                             "keeps its own t of {:g} ms",
                                             *o.ms, arm.name, arm.path, arm.ms));
            arm.lanes = arm.server.pool_threads;  // a foreign pool's size is unknown; FastAPI's is 40, like ours
            continue;
        }
        if (o.ms) arm.ms = *o.ms, ms_applied = true;
        settle_model(arm);
        if (arm.route != route_id::cpu && !arm.cpu_task) arm.query = fmt::format("ms={}", static_cast<long long>(arm.ms));
    }
    if (o.ms && !ms_applied && !spec.arms.empty())
        throw scenario_error(fmt::format("{}: --ms reaches none of its arms: each runs on another server, whose path "
                                         "fixes its t",
                                         spec.name));
    return kept_t;
}

int machine_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace lab
