// concurrency-lab: parse the command line, dispatch, map failures to exit codes
// (0 ok, 1 a run failed, 2 usage or input error). No lab logic lives here.
#include "analysis/findings.hpp"
#include "check/check.hpp"
#include "load/load_generator.hpp"
#include "model/client_knobs.hpp"
#include "model/knobs.hpp"
#include "model/limits.hpp"
#include "process/fd_limit.hpp"
#include "process/server_process.hpp"
#include "output/output_file.hpp"
#include "process/interrupt.hpp"
#include "report/report.hpp"
#include "scenario/locations.hpp"
#include "scenario/check_run.hpp"
#include "scenario/runner.hpp"
#include "scenario/url_arm.hpp"
#include "scenario/scenario_spec.hpp"
#include "server/listener.hpp"
#include "server/server.hpp"

#include "number_flags.hpp"
#include "model/suggest.hpp"
#include "replay_player.hpp"
#include "terminal_width.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <optional>
#include <unistd.h>

namespace {

constexpr int exit_usage = 2;
constexpr int exit_failed = 1;

const std::map<std::string, lab::output_format> format_names{{"table", lab::output_format::table},
                                                              {"json", lab::output_format::json},
                                                              {"csv", lab::output_format::csv},
                                                              {"markdown", lab::output_format::markdown},
                                                              {"html", lab::output_format::html},
                                                              {"trace", lab::output_format::trace}};

struct output_flags {
    std::string format = "table";
    std::string out;
    bool timeline = false;
    bool detail = false;
    std::optional<int> width;
    std::string axis = "shared";

    lab::render_options render() const {
        return {format_names.at(format), timeline, detail, lab::report_width(width, out.empty()), axis == "own"};
    }
};

// --width: 0 (full tables) or at least lab::narrowest_width columns.
void add_width_flag(CLI::App& cmd, std::optional<int>& width) {
    // One validator, so the help names one range ("INT:0 or 40 … 1000"), not two that disagree.
    const std::string range = fmt::format("0 or {} … 1000", lab::narrowest_width);
    cmd.add_option("--width", width, "fit the table report to N columns (0: full tables; default: the terminal's)")
        ->transform(CLI::Validator(
            [range, number = lab::decimal(0, 1000)](std::string& text) mutable -> std::string {
                if (auto error = number(text); !error.empty()) return error;
                const int n = std::stoi(text);
                return n == 0 || n >= lab::narrowest_width ? std::string()
                                                           : fmt::format("{} is too narrow ({})", n, range);
            },
            range));
}

void add_output_flags(CLI::App& cmd, output_flags& flags) {
    cmd.add_option("--format", flags.format,
                   "table, json, csv (one row per request), markdown, html, or trace (Perfetto / chrome://tracing)")
        ->check(CLI::IsMember({"table", "json", "csv", "markdown", "html", "trace"}));
    cmd.add_flag("--timeline", flags.timeline, "draw each arm's timeline (table and markdown)");
    cmd.add_option("--axis", flags.axis, "timelines: shared (one time axis per scenario) or own (each arm's)")
        ->check(CLI::IsMember({"shared", "own"}))
        ->capture_default_str();
    cmd.add_flag("--detail", flags.detail,
                 "JSON: every request in requests_detail; trace: up to 1 M requests an arm (load: every request kept, "
                 "112 bytes each, at most 10 M)");
    cmd.add_option("--out", flags.out, "write to FILE (atomically) instead of stdout");
    add_width_flag(cmd, flags.width);
}

// Opened before any work starts, so an unwritable path fails before a run, not after.
std::unique_ptr<lab::output_file> open_output(const std::string& path) {
    return path.empty() ? nullptr : std::make_unique<lab::output_file>(path);
}

struct output_sink {
    explicit output_sink(const output_flags& flags) : file(open_output(flags.out)) {}
    void write(const std::string& text) {
        if (file) file->commit(text);
        else std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::unique_ptr<lab::output_file> file;
};

// A run stopped by its first SIGINT or SIGTERM has printed what it measured; it ends as the
// signal would have ended it (130, 143), so scripts still see the interruption.
int exit_code(bool ok) {
    if (int sig = lab::interrupt_signal().load()) return 128 + sig;
    return ok ? 0 : exit_failed;
}

void progress_line(const std::string& line) {
    static const bool tty = ::isatty(STDERR_FILENO);
    if (tty) fmt::print(stderr, "\r\033[K  {}", line);
}

void clear_progress() {
    if (::isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K");
}

// `list --needs NAME`: the Debian packages a scenario's targets run on, one a line, read as the
// lab reads the file (the launcher installs them before the run).
int cmd_needs(const std::string& name) {
    for (const auto& package : lab::needed_packages(lab::load_scenario_file(lab::find_scenario(name))))
        fmt::print("{}\n", package);
    return 0;
}

int cmd_list() {
    for (const auto& file : lab::list_scenario_files()) {
        try {
            auto spec = lab::load_scenario_file(file);
            fmt::print("  {:<26} {}\n", spec.name, spec.title);
        } catch (const lab::scenario_error& e) {
            fmt::print("  {:<26} (invalid: {})\n", file.stem().string(), e.what());
        }
    }
    return 0;
}

struct scenario_flags {
    std::string name;
    bool include_long = false;
    bool replay = false;   // play the Part 4 diagram in the terminal after the run
    int replay_slower = 10;
    lab::scenario_overrides overrides;
    output_flags output;
};

int cmd_scenario(const scenario_flags& flags) {
    if (flags.replay && !lab::can_replay())
        throw lab::input_error("--replay draws in a terminal: stdin and stdout must be one (a file gets the replay "
                               "with --format html)");
    // `all`: every scenario file except those marked long (c10k), unless --include-long.
    std::vector<lab::scenario_spec> specs;
    std::vector<std::filesystem::path> read;
    if (flags.name == "all") {
        for (const auto& file : lab::list_scenario_files()) {
            read.push_back(file);
            auto spec = lab::load_scenario_file(file);
            if (spec.long_running && !flags.include_long) continue;
            if (auto why = lab::left_out_because(spec); !why.empty()) {
                fmt::print(stderr, "concurrency-lab: note: {}\n", why);
                continue;
            }
            specs.push_back(std::move(spec));
        }
    } else {
        read.push_back(lab::find_scenario(flags.name));
        specs.push_back(lab::load_scenario_file(read.back()));
    }
    for (const auto& file : read) {
        std::error_code ec;
        if (!flags.output.out.empty() && std::filesystem::equivalent(flags.output.out, file, ec))
            throw lab::input_error(fmt::format("--out {} is the scenario file this run reads", flags.output.out));
    }
    for (auto& spec : specs) {
        // `all` passes over a scenario that --ms cannot reach; one named alone is refused.
        auto overrides = flags.overrides;
        if (flags.name == "all" && overrides.ms && !std::any_of(spec.arms.begin(), spec.arms.end(), lab::on_lab))
            overrides.ms.reset();
        for (const auto& note : lab::apply_overrides(spec, overrides))
            fmt::print(stderr, "concurrency-lab: note: {}\n", note);
    }
    // Handlers first: a SIGINT that comes once the output file exists finds them in place, and
    // ends the run with what it measured (nothing yet), never by the signal's default action.
    lab::install_interrupt_handlers();
    output_sink sink(flags.output);
    std::vector<lab::scenario_result> results;
    for (std::size_t i = 0; i < specs.size() && !lab::interrupt_signal().load(); ++i) {
        auto label = specs.size() > 1 ? fmt::format("[{}/{}] {}: ", i + 1, specs.size(), specs[i].name) : std::string();
        results.push_back(lab::run_scenario(specs[i], {lab::self_executable(),
                                                       [&](const std::string& line) { progress_line(label + line); },
                                                       &lab::interrupt_signal()}));
    }
    clear_progress();
    if (flags.replay && !lab::interrupt_signal().load()) lab::play_replay(results, flags.replay_slower);
    sink.write(specs.size() == 1 && flags.name != "all" ? lab::render(results.front(), flags.output.render())
                                                        : lab::render_many(results, flags.output.render()));
    return exit_code(std::all_of(results.begin(), results.end(), lab::every_arm_judged));
}

int cmd_serve(const lab::server_options& options) {
    if (!lab::is_loopback_host(options.host))
        fmt::print(stderr, "concurrency-lab: note: binding {} — reachable from other machines\n", options.host);
    lab::raise_fd_limit();  // every connection is a descriptor
    if (!options.downstream.empty()) {
        try {
            lab::parse_downstream(options.downstream);
        } catch (const std::invalid_argument& e) {
            throw lab::input_error(fmt::format("--downstream: {}", e.what()));
        }
    }
    try {
        lab::run_server(options);
    } catch (const std::runtime_error& e) {
        throw lab::input_error(e.what());  // port in use, unknown host: the caller's input
    }
    return 0;
}

// The numeric flags are bound straight to the options they set; these are the rest.
struct load_flags {
    std::string url;
    lab::load_options options;
    std::string connection = "keep-alive";
    std::string method;  // empty: GET, or POST when there is a body (curl's -d)
    std::vector<std::string> headers;
    std::optional<std::string> body;
    std::string body_file;
    std::string unix_socket;
    bool quiet = false;
    output_flags output;
};

// What each request is and where it goes, from the flags that say it: every part checked here,
// so a bad one is one line and exit 2 before anything runs.
lab::load_options load_options_of(const load_flags& flags) {
    lab::load_options options = flags.options;
    options.url = lab::parse_load_url(flags.url);
    options.connection_close = flags.connection == "close";
    try {
        for (const auto& line : flags.headers) options.headers.push_back(lab::parse_header(line));
        if (flags.body) options.body = *flags.body;
        if (!flags.body_file.empty()) options.body = lab::read_body_file(flags.body_file);
        options.method = !flags.method.empty() ? flags.method : flags.body || !flags.body_file.empty() ? "POST" : "GET";
        lab::check_method(options.method);
    } catch (const std::invalid_argument& e) {
        throw lab::input_error(e.what());
    }
    options.url.unix_socket = flags.unix_socket;
    if (!options.url.tls && (options.tls.insecure || !options.tls.cacert.empty()))
        throw lab::input_error(fmt::format("{} is for https:// URLs", options.tls.insecure ? "--insecure" : "--cacert"));
    if (options.tls.insecure && !options.tls.cacert.empty())
        throw lab::input_error("--insecure skips the check that --cacert would make: give one of them");
    return options;
}

int cmd_load(const load_flags& flags) {
    lab::load_options options = load_options_of(flags);
    // Every record asked for: kept in memory, so bounded (a -d run stops at the bound).
    if (flags.output.detail) options.record_limit = lab::max_recorded_requests;
    if (!flags.quiet && ::isatty(STDERR_FILENO))
        options.on_progress = [](const lab::load_progress& p) {
            if (p.elapsed_s < 1) return;  // short runs need no progress line
            progress_line(fmt::format("{} requests  {:.0f} req/s  {:.1f} s", p.done, p.done / p.elapsed_s,
                                      p.elapsed_s));
        };
    // Handlers first: a SIGINT that comes once the output file exists finds them in place, and
    // ends the run with what it measured (nothing yet), never by the signal's default action.
    lab::install_interrupt_handlers();
    output_sink sink(flags.output);
    options.stop = &lab::interrupt_signal();
    const auto load = lab::run_url_load(options, flags.url);
    clear_progress();
    for (const auto& note : load.warnings) fmt::print(stderr, "concurrency-lab: note: {}\n", note);
    sink.write(lab::render_load(load.result, flags.output.render()));
    return exit_code(load.result.arms.front().stats.outcome == lab::run_outcome::judged);
}

struct check_flags {
    std::vector<std::string> scenarios;
    std::string baseline;
    std::string junit;
    bool record = false;
    std::optional<int> width;
};

int cmd_check(const check_flags& flags) {
    namespace fs = std::filesystem;
    fs::path baseline_path = flags.baseline.empty() ? lab::results_dir() / "baseline.json" : fs::path(flags.baseline);
    // Outputs are opened first: an unwritable path fails before any run.
    lab::install_interrupt_handlers();  // before the outputs exist, as for scenario and load
    auto junit = open_output(flags.junit);
    auto record = flags.record ? open_output(baseline_path.string()) : nullptr;
    lab::check_options options;
    options.scenarios = flags.scenarios;
    // Recording measures afresh but keeps the entries of scenarios it does not run;
    // otherwise compare with the baseline when there is one.
    std::optional<lab::baseline> kept;
    if (flags.record && fs::exists(baseline_path)) kept = lab::load_baseline(baseline_path);
    if (!flags.record && (!flags.baseline.empty() || fs::exists(baseline_path))) options.baseline_file = baseline_path;
    options.executable = lab::self_executable();
    options.progress = progress_line;
    options.stop = &lab::interrupt_signal();
    auto started = std::chrono::steady_clock::now();
    const auto rows = lab::run_check(options);
    clear_progress();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fputs(lab::render_check_table(rows, lab::report_width(flags.width, true), flags.record).c_str(), stdout);
    bool all_pass = std::all_of(rows.begin(), rows.end(), [](const auto& r) { return r.pass; });
    if (junit) junit->commit(lab::render_junit(rows, seconds));
    if (record && lab::interrupt_signal().load()) {
        fmt::print("  baseline not written: the run was interrupted\n");
    } else if (record && all_pass) {
        auto update = lab::render_baseline(rows, kept ? &*kept : nullptr);
        record->commit(update.document);
        fmt::print("  baseline written to {}: updated {}, kept {}\n", baseline_path.string(), update.updated,
                   update.kept);
    } else if (record) {
        fmt::print("  baseline not written: a ratio is outside its bounds\n");
    }
    return exit_code(all_pass);
}

// serve's flags: one per knob of the table (model/knobs.hpp), bound to the member it sets.
void add_server_flags(CLI::App& serve, lab::server_config& config) {
    const lab::server_config defaults;
    for (const auto& knob : lab::server_knobs()) {
        if (const auto* flag = std::get_if<bool lab::server_config::*>(&knob.member)) {
            serve.add_flag(knob.flag, config.**flag, knob.help);
        } else if (const auto* n = std::get_if<int lab::server_config::*>(&knob.member)) {
            auto* option = serve.add_option(knob.flag, config.**n, knob.help)->transform(lab::decimal(knob.min, knob.max, knob.unit));
            if (defaults.**n >= knob.min && defaults.**n <= knob.max) option->capture_default_str();
        } else {
            serve.add_option(knob.flag, config.*std::get<std::string lab::server_config::*>(knob.member), knob.help)
                ->capture_default_str();
        }
    }
    for (const auto& knob : lab::server_knobs())
        for (const auto& other : lab::server_knobs())
            if (!knob.needs.empty() && other.key == knob.needs) serve.get_option(knob.flag)->needs(serve.get_option(other.flag));
}

std::vector<std::string> command_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    return names;
}

// A first word that is no subcommand is a typo more often than not: name the nearest.
int refuse_unknown_command(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return 0;
    const auto names = command_names(app);
    const std::string typed = argv[1];
    if (std::find(names.begin(), names.end(), typed) != names.end()) return 0;
    fmt::print(stderr, "concurrency-lab: error: unknown command '{}'{} (try --help)\n", typed,
               lab::did_you_mean(typed, names));
    return exit_usage;
}

// One client knob's flag (model/client_knobs.hpp): its names, help and range from the table, so
// `load` and `scenario` spell and bound it alike.
template <class T>
CLI::Option* add_knob(CLI::App& cmd, std::string_view name, T& value) {
    const auto& knob = lab::client_knob_named(name);
    if constexpr (std::is_same_v<T, bool>) {
        return cmd.add_flag(knob.flags, value, knob.help);
    } else {
        auto* option = cmd.add_option(knob.flags, value, knob.help);
        if (knob.type == lab::client_knob::kind::integer)
            option->transform(lab::decimal(static_cast<long long>(knob.min), static_cast<long long>(knob.max), knob.unit));
        else if (knob.type == lab::client_knob::kind::number)
            option->transform(lab::decimal(knob.min, knob.max, knob.unit));
        return option;
    }
}

CLI::App* add_scenario_command(CLI::App& app, scenario_flags& flags) {
    auto* scen = app.add_subcommand("scenario", "run a scenario: server, load, analysis, report");
    scen->add_option("name", flags.name, "scenario name (see 'list'), a path to a .toml file, or all")->required();
    scen->add_flag("--include-long", flags.include_long, "with 'all': also run scenarios marked long (c10k)");
    add_knob(*scen, "requests", flags.overrides.requests);
    add_knob(*scen, "concurrency", flags.overrides.concurrency);
    add_knob(*scen, "timeout", flags.overrides.timeout_s);
    scen->add_option("--ms", flags.overrides.ms, "handler duration in whole ms (the lab's own arms; another server's keep theirs)")->transform(lab::decimal(0LL, lab::max_handler_ms, "ms"));
    add_knob(*scen, "repeat", flags.overrides.repeat);
    add_output_flags(*scen, flags.output);
    auto* replay = scen->add_flag("--replay", flags.replay,
                                  "after the run, play each arm's requests through the event loop's boxes in the "
                                  "terminal, slowed down (space pause, n next arm, r again, q quit)");
    scen->add_option("--replay-speed", flags.replay_slower, "how many times slower than it ran: 1, 10 or 100")
        ->transform(lab::decimal(1, 100))
        ->check(CLI::Validator(
            [](std::string& text) {
                return text == "1" || text == "10" || text == "100" ? std::string() : text + " is not 1, 10 or 100";
            },
            "1, 10 or 100"))
        ->needs(replay)
        ->capture_default_str();
    for (const char* other : {"--format", "--out"}) replay->excludes(scen->get_option(other));
    return scen;
}

CLI::App* add_serve_command(CLI::App& app, lab::server_options& options) {
    auto* serve = app.add_subcommand("serve", "run the lab server (one event-loop thread)");
    add_server_flags(*serve, options);
    serve->add_option("--ready-fd", options.ready_fd, "write the bound port to this descriptor when ready")
        ->transform(lab::decimal(0, 1 << 20));
    // One process owns a socket file and removes it; a supervisor's workers would race for that.
    for (const char* other : {"--host", "--port", "--workers"})
        serve->get_option("--unix-socket")->excludes(serve->get_option(other));
    return serve;
}

CLI::App* add_load_command(CLI::App& app, load_flags& flags) {
    auto* ld = app.add_subcommand("load", "load against a URL: closed loop, or open loop with --rate");
    ld->add_option("url", flags.url, "http[s]://host:port/path")->required();
    add_knob(*ld, "concurrency", flags.options.concurrency)->capture_default_str();
    auto* n_opt = add_knob(*ld, "requests", flags.options.requests)->capture_default_str();
    add_knob(*ld, "duration", flags.options.duration_s)->excludes(n_opt);
    add_knob(*ld, "rate", flags.options.rate);
    add_knob(*ld, "threads", flags.options.threads)->capture_default_str();
    add_knob(*ld, "connection", flags.connection)->check(CLI::IsMember({"keep-alive", "close"}))->capture_default_str();
    ld->add_flag("--quiet", flags.quiet, "no progress line");
    add_knob(*ld, "timeout", flags.options.timeout_s)->capture_default_str();
    add_knob(*ld, "cold", flags.options.cold);
    add_knob(*ld, "method", flags.method);
    // One header a flag: -H 'A: 1' -H 'B: 2' (a vector option would otherwise take the URL too).
    add_knob(*ld, "headers", flags.headers)->allow_extra_args(false);
    auto* body = add_knob(*ld, "body", flags.body);
    add_knob(*ld, "body_file", flags.body_file)->excludes(body);
    add_knob(*ld, "unix_socket", flags.unix_socket);
    add_knob(*ld, "insecure", flags.options.tls.insecure);
    add_knob(*ld, "cacert", flags.options.tls.cacert);
    add_output_flags(*ld, flags.output);
    return ld;
}

CLI::App* add_check_command(CLI::App& app, check_flags& flags) {
    auto* chk = app.add_subcommand("check", "run scenarios and check their ratios against bounds and a baseline");
    chk->add_option("--scenarios", flags.scenarios, "comma-separated scenario names (default: all with expectations)")
        ->delimiter(',');
    chk->add_option("--baseline", flags.baseline, "baseline file (default: results/baseline.json if present)");
    chk->add_option("--junit", flags.junit, "also write JUnit XML to FILE");
    chk->add_flag("--record", flags.record, "write a new baseline (atomically) from this run");
    add_width_flag(*chk, flags.width);
    return chk;
}

// "--requets": the nearest long flag of the command line's subcommand (or of any), as git does.
std::string flag_guess(const CLI::App& app, int argc, char** argv) {
    std::vector<std::string> known;
    const CLI::App* scope = &app;
    for (int i = 1; i < argc; ++i)
        if (auto* sub = app.get_subcommand_ptr(argv[i]).get(); sub && argv[i][0] != '-') { scope = sub; break; }
    for (const auto* option : scope->get_options())
        for (const auto& name : option->get_lnames()) known.push_back("--" + name);
    for (int i = 1; i < argc; ++i) {
        std::string typed = argv[i];
        if (!typed.starts_with("--")) continue;
        typed = typed.substr(0, typed.find('='));
        if (std::find(known.begin(), known.end(), typed) != known.end()) continue;
        if (auto guess = lab::did_you_mean(typed, known); !guess.empty()) return guess;
    }
    return "";
}

// Help and --version end with exit 0, as CLI11 prints them; a bad command line with one line and 2.
int parse_failure(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
    if (e.get_exit_code() == 0) return app.exit(e);
    fmt::print(stderr, "concurrency-lab: error: {}{} (try --help)\n", e.what(), flag_guess(app, argc, argv));
    return exit_usage;
}

// `help [COMMAND]`: what --help prints, for those who type the word (as git and cargo take it).
int cmd_help(const CLI::App& app, const std::string& topic) {
    // The formatter, not app.help(): that would describe the `help` subcommand just parsed.
    if (topic.empty())
        return std::fputs(app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal).c_str(), stdout), 0;
    for (const auto* sub : app.get_subcommands({}))
        if (sub->get_name() == topic && topic != "help") return std::fputs(sub->help(app.get_name()).c_str(), stdout), 0;
    fmt::print(stderr, "concurrency-lab: error: no command '{}' to explain{} (try --help)\n", topic,
               lab::did_you_mean(topic, command_names(app)));
    return exit_usage;
}

// The one place failures become exit codes: the caller's input (a flag, a file, a URL, a path
// to write; lab::input_error) 2, anything else that stopped a run 1.
int guarded(const std::function<int()>& command) {
    try {
        return command();
    } catch (const std::exception& e) {
        clear_progress();
        fmt::print(stderr, "concurrency-lab: error: {}\n", e.what());
        return dynamic_cast<const lab::input_error*>(&e) ? exit_usage : exit_failed;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Named here, not from argv[0]: usage lines say `concurrency-lab`, not the build path.
    CLI::App app{"concurrency-lab — make concurrency visible: one server, several execution models, real load.",
                 "concurrency-lab"};
    app.require_subcommand(1);
    // A flag is a flag: `--gil=2` or `--cold=yes` is refused, not read as on.
    app.option_defaults()->disable_flag_override();
    app.set_help_all_flag("--help-all", "help for every subcommand");
    app.set_version_flag("--version", "concurrency-lab " CONCURRENCY_LAB_VERSION);

    scenario_flags scenario;
    lab::server_options serve_options;
    load_flags load;
    check_flags check;
    auto* list = app.add_subcommand("list", "list the scenarios with their titles");
    std::string needs_of;
    list->add_option("--needs", needs_of, "print the Debian packages scenario NAME's targets run on, one a line");
    auto* scen = add_scenario_command(app, scenario);
    auto* serve = add_serve_command(app, serve_options);
    auto* ld = add_load_command(app, load);
    auto* chk = add_check_command(app, check);
    std::string help_topic;
    auto* help = app.add_subcommand("help", "print the help of the lab, or of one command");
    help->add_option("command", help_topic, "a command: list, scenario, serve, load, check");

    if (int code = refuse_unknown_command(app, argc, argv)) return code;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failure(app, e, argc, argv);
    }
    return guarded([&] {
        if (list->parsed()) return needs_of.empty() ? cmd_list() : cmd_needs(needs_of);
        if (scen->parsed()) return cmd_scenario(scenario);
        if (serve->parsed()) return cmd_serve(serve_options);
        if (ld->parsed()) return cmd_load(load);
        if (chk->parsed()) return cmd_check(check);
        if (help->parsed()) return cmd_help(app, help_topic);
        return exit_usage;
    });
}
