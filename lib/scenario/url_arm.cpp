#include "scenario/url_arm.hpp"

#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "load/http_get.hpp"
#include "model/input_error.hpp"
#include "net/query.hpp"
#include "process/fd_limit.hpp"

namespace lab {

arm_spec arm_for_url(const load_options& options) {
    arm_spec spec;
    spec.name = "load";
    spec.path = options.url.target;
    auto parsed = parse_target(spec.path);
    spec.route = find_route(parsed ? parsed->path : spec.path);
    auto q = spec.path.find('?');
    spec.query = q == std::string::npos ? "" : spec.path.substr(q + 1);
    const bool sleeps = spec.route != route_id::unknown && route(spec.route).param == route_param::ms &&
                        route(spec.route).model != model_kind::none;
    auto ms = parsed && sleeps ? parse_int_param(*parsed, "ms", 0, max_handler_ms) : int_param{0, "no t"};
    // /health, /cpu, or a server that is not the lab's: its ms= (if any) is not known to be a
    // handler's duration, so there is no t to model, and no verdict.
    spec.model = ms.ok() ? route(spec.route).model : model_kind::none;
    spec.ms = ms.ok() ? static_cast<double>(ms.value) : 0;
    spec.load.requests = options.requests;
    spec.load.concurrency = connections_for(options);
    spec.load.timeout_s = options.timeout_s;
    spec.load.cold = options.cold;
    spec.load.connection_close = options.connection_close;
    spec.load.rate = options.rate;
    return spec;
}

target_url parse_load_url(const std::string& text) {
    try {
        return parse_url(text);
    } catch (const std::invalid_argument& e) {
        throw input_error(e.what());
    }
}

namespace {

// An unresolvable host, or --rate × -d beyond the record limit: the caller's input.
load_run measured_load(const load_options& options) {
    try {
        return run_load(options);
    } catch (const std::invalid_argument& e) {
        throw input_error(e.what());
    } catch (const std::runtime_error& e) {
        throw input_error(e.what());
    }
}

// What a lab server (its answers carry the fields protocol) measured of itself; a server with a
// history lends only what falls inside this run's window.
void add_telemetry(arm_result& arm, const load_options& options) {
    if (!arm.stats.server_fields || arm.run.interrupted) return;
    // GET /metrics goes over plain TCP to host:port: not to a server behind a unix socket or TLS.
    if (!options.url.unix_socket.empty() || options.url.tls) return;
    arm.telemetry = fetch_telemetry(options.url.host, options.url.port);
    if (arm.telemetry) add_server_measures(*arm.telemetry, arm.stats, arm.run.t0_ns, measured_until(arm), false);
}

}  // namespace

url_load run_url_load(const load_options& options, const std::string& title) {
    require_fds(options.concurrency + 64L, "this load");
    arm_result arm;
    arm.spec = arm_for_url(options);
    arm.run = measured_load(options);
    // A duration decides the count; a count stays what was asked for, so an interrupted run is partial.
    // (An open loop's backlog that was never sent counts as asked for: the run is partial.)
    if (options.duration_s > 0) arm.spec.load.requests = static_cast<int>(arm.run.total() + arm.run.unsent);
    arm.stats = analyze(arm.spec, arm.run);
    add_telemetry(arm, options);
    arm.repeat_wall_ms = {arm.stats.wall_ms};
    const auto ending = load_notes(arm, {options.requests, options.duration_s, options.rate, options.timeout_s});
    url_load out{{"load", title, "One run against a URL.", {std::move(arm)}, {}, {}}, ending.warnings};
    out.result.notes = findings(out.result);
    for (const auto* part : {&ending.warnings, &ending.notes})
        out.result.notes.insert(out.result.notes.end(), part->begin(), part->end());
    out.result.interrupted = out.result.arms.front().run.interrupted;
    return out;
}

}  // namespace lab
