#pragma once
// Plain data shared by every layer: what one request did, what one arm asked for,
// and what the analysis made of it. No I/O, nothing of ours included but lib/model's own.
#include "model/request_tally.hpp"
#include "model/routes.hpp"
#include "model/server_config.hpp"

#include <array>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace lab {

// Failure kinds are counted apart from successes and never abort a run (wrk's habit).
enum class error_kind { none, connect, read, timeout, status };
// The failure kinds, in the order the per-kind counts (arm_stats::errors, …) hold them.
inline constexpr std::array<error_kind, 4> failure_kinds{error_kind::connect, error_kind::read, error_kind::timeout,
                                                         error_kind::status};
inline constexpr std::size_t failure_index(error_kind e) { return static_cast<std::size_t>(e) - 1; }
inline constexpr const char* to_string(error_kind e) {
    switch (e) {
        case error_kind::connect: return "connect";
        case error_kind::read: return "read";
        case error_kind::timeout: return "timeout";
        case error_kind::status: return "status";
        case error_kind::none: break;
    }
    return "none";
}

// What a lab server reports about the handler that ran a request. Times are
// CLOCK_MONOTONIC nanoseconds, which every process on the machine shares.
struct server_fields {
    std::int64_t pid = 0;
    std::int64_t thread = 0;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
};

// A request's way through the server (DESIGN.md §11, the notes' Part 4), as the lab's server
// reports it in Server-Timing: each state from its mark to the next. Before the first mark the
// request is in the kernel (sent by the client, not yet read); after `done` its answer is on its
// way back until the client has read it.
enum class request_state : std::uint8_t {
    kernel,   // sent, not yet read: the loop was busy elsewhere
    running,  // on the loop thread
    waiting,  // on a timer, the database, a downstream
    ready,    // what it waited for is done; the loop has not resumed it yet
    queued,   // posted to the pool, waiting for a thread
    pool,     // running on a pool thread
    done,     // answered; the response is on its way
};
inline constexpr std::size_t request_state_count = 7;
const char* to_string(request_state s);  // "in the kernel", for people
const char* state_key(request_state s);  // "kernel", for JSON and scripts
char state_letter(request_state s);  // the Server-Timing spelling and the timeline's lane: K R W Y Q P D
std::optional<request_state> state_of_letter(char letter);

struct state_mark {
    request_state state = request_state::kernel;
    std::int64_t at_ns = 0;  // CLOCK_MONOTONIC
};

// One request's marks, in time order; bounded (a route makes at most six).
struct request_states {
    static constexpr std::size_t max_marks = 8;
    std::array<state_mark, max_marks> marks{};
    std::uint8_t count = 0;
};

struct request_record {
    std::int64_t start_ns = 0;  // CLOCK_MONOTONIC, when the request was sent
    std::int64_t end_ns = 0;    // when the whole response was read (or the failure seen)
    int status = 0;             // HTTP status, 0 when none arrived
    std::size_t bytes = 0;      // response bytes, header and body
    error_kind error = error_kind::none;
    std::optional<server_fields> server;  // absent when the target is not a lab server
    std::int64_t planned_ns = 0;  // open loop: when it was due to be sent (0 in closed loop)
    std::int64_t task_id = 0;     // POST /tasks: the id the server gave the job
    bool task_done = false;       // GET /tasks/{id}: the job has finished
    std::uint32_t body_bytes = 0;  // the response body's length (saturating; `bytes` counts the head too)
    std::uint32_t states = 0;      // 1 + its index in load_run::states; 0: the server sent none
};

// One closed-loop run: the timed window opens at t0_ns (after connections are
// made, unless the run is cold) and closes when the last request ends.
struct load_run {
    std::int64_t t0_ns = 0;
    std::int64_t t1_ns = 0;
    std::vector<request_record> requests;  // the first ones, up to the run's kept records; in send order
    std::vector<request_states> states;    // the server's states of the first kept ones (request_record::states)
    folded_requests folded;                // the rest: counted and folded into histograms
    std::vector<second_stats> per_second;  // every request, by the second it ended in
    std::optional<request_record> probe;  // a single request sent alongside the load
    bool record_limit_reached = false;    // a duration run that stopped at its record limit
    bool interrupted = false;             // stopped early by a signal; what was measured is kept
    int cancelled = 0;                    // in flight when an interruption or -d's end cut them off: not recorded
    int reconnects = 0;                   // requests re-sent once on a new connection (the old one closed while idle)
    std::int64_t unsent = 0;              // an open loop's backlog it gave up sending (a server far behind the rate)
    // The first body of each status outside 2xx, its first 200 bytes: what the server said
    // ("QueuePool limit of size 5 overflow 10 reached"), shown beside its count.
    std::map<int, std::string> failure_bodies;

    std::int64_t total() const { return static_cast<std::int64_t>(requests.size()) + folded.count; }
};

// Whether a run can be judged against the models (DESIGN.md §9): only when every request
// asked for was answered with 2xx. A run with failures names no model.
enum class run_outcome { judged, partial, failed };

// One model's ideal wall time for an arm, as the verdict weighed it.
struct model_ideal {
    model_kind model = model_kind::none;
    double ms = 0;
};

// Header lines a request carries besides the client's own, in order: each checked by
// load/request_parts.hpp before it gets here.
using header_list = std::vector<std::pair<std::string, std::string>>;

// How an https:// client trusts its server: the system's store by default, curl's spellings for the rest.
struct tls_options {
    bool insecure = false;  // no verification at all (curl -k)
    std::string cacert;     // a PEM file of CAs to trust instead of the system's
};

// A service a scenario starts before its targets (DESIGN.md §10): a kind of the table
// (process/service.hpp: "postgres"), or a command of the file's own.
struct service_spec {
    std::string name;
    std::string kind;                // "postgres", … or "command"
    std::vector<std::string> argv;   // a command's: "{port}" becomes a free port
    std::string cwd;                 // a command's: absolute, or relative to the scenario file (resolved on reading)
    std::string ready = "/";         // a command's: polled with GET until 2xx
    double ready_timeout_s = 30;
};

// Where an arm's load goes (DESIGN.md §8): the lab's own server, a command the runner starts
// (and stops, its whole process tree), or a URL someone else serves.
struct lab_target {};
struct command_target {
    std::vector<std::string> argv;  // "{port}" becomes a free port the runner picks; "{socket}" a unix socket's path
    std::string cwd;                // absolute, or relative to the scenario file (resolved on reading)
    std::vector<std::pair<std::string, std::string>> env;
    std::string ready = "/";        // polled until it answers 2xx
    double ready_timeout_s = 20;
    std::vector<std::string> needs;  // Debian packages it runs on (python3-fastapi, …)
    bool probe = false;  // a Python ASGI app: run it with the lab's probe loaded (DESIGN.md §8)
    bool https = false;  // it serves https:// (on {port}; `tls` says how far it is trusted)
    tls_options tls;
};
struct url_target {
    std::string url;  // http[s]://host:port, nothing started or stopped
    std::string unix_socket;  // set: connect here; the URL's host names the Host header
    tls_options tls;
};
using target_spec = std::variant<lab_target, command_target, url_target>;

// What the client does in an arm: how many requests, over how many connections, at what pace
// (DESIGN.md §3), with an optional probe sent alongside.
struct load_config {
    int requests = 10;
    int concurrency = 10;
    int repeat = 1;          // runs of the arm; the median wall is reported
    bool cold = false;       // connecting inside the timed window
    double timeout_s = 30;
    double rate = 0;         // > 0: open loop, requests scheduled at this many per second
    bool connection_close = false;  // one connection per request instead of keep-alive
    std::string probe_route;        // empty: no probe
    double probe_after_ms = 0;
    // Another server's arm: what each request is (a lab arm's method is its route's).
    std::string method = "GET";
    header_list headers;
    std::string body;
};

// One arm (DESIGN.md §7): its name, where the load goes, the lab server it runs on, the load,
// and the model's parameters — the route, its t, and what the scenario settled from them.
struct arm_spec {
    std::string name;
    target_spec target;     // lab_target unless the scenario says otherwise
    server_config server;   // the lab's server for this arm (DESIGN.md §2); unused on another target
    load_config load;

    // The model's parameters.
    route_id route = route_id::unknown;  // a lab arm's route (model/routes.hpp)
    std::string path;       // another server's path and query, e.g. "/report?t=0.1"; a lab arm's is empty
    std::string query;      // a lab arm's, built from the knobs, e.g. "ms=100"
    model_kind model = model_kind::none;
    double ms = 100;        // duration of one handler, the t of the ideal models
    int lanes = 0;          // parallel lanes of the model (pool threads, cores, workers)
    bool cpu_task = false;  // /tasks: each job is CPU work of `ms` (calibrated, as /cpu's) instead of a sleep
    cpu_place on = cpu_place::loop;  // /cpu: where it runs; `ms` is the calibrated duration of one call
    std::uint64_t cpu_n = 0;

    // How the report treats it.
    std::optional<double> seed_s;  // the teaching notes' own figure, when the arm reproduces one
    std::string beside;            // another arm of the file this one is shown beside (the same handler elsewhere)
    std::string advice;            // the notes' row this arm puts to the test; it held if the run followed `model`
    bool expect_failures = false;  // failures are the arm's lesson (worker-crash): a partial run does not fail
};

// A ratio that defines a scenario's lesson: "A.metric / B.metric" or "A.metric", kept
// within [min, max], and within `tolerance` (relative) of the recorded baseline.
struct expectation {
    std::string name;        // what the ratio says, e.g. "blocking serializes"
    std::string ratio;       // as written in the file
    std::optional<double> min, max;
    double tolerance = 0.4;  // relative distance from the baseline that still passes
};

struct process_memory {
    long long pid = 0;
    long long rss_kb = 0;
    bool supervisor = false;
};

// Where a probed app's loop was held while it was late (the probe's watchdog, docs/targets.md):
// the innermost frame of the app's own code, and the library call it was making there.
struct blocked_location {
    std::string file;
    int line = 0;
    std::string function;
    std::string code;  // the source line
    std::string call;  // e.g. "requests.api.get"; empty for a call into C (time.sleep) or none
    bool in_app = true;  // false: no frame of the app's was on the stack; the innermost is named
};

// One stall of a probed loop past the probe's threshold, and where it was held (-1: the stall
// ended before the watchdog sampled it).
struct blocked_stall {
    std::int64_t pid = 0, due_ns = 0, ran_ns = 0;
    int location = -1;  // index into server_telemetry::blocked_at
};

// The lab server's pool of database connections over a run (GET /metrics), every process's
// together: how many queries took a connection, and how many found none free and waited.
struct db_pool_use {
    std::int64_t connections = 0, takes = 0, waits = 0;
    double waited_ms = 0;
};

struct latency_summary {
    double min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

struct arm_stats {
    double wall_ms = 0;
    double ideal_ms = 0;          // 0 when the model is unknown
    double measured_over_ideal = 0;
    run_outcome outcome = run_outcome::judged;
    model_kind verdict = model_kind::none;  // none unless the run was judged
    // The wall's nearest model was ruled out by the server's own overlap: no verdict is named,
    // and wall_fits keeps the model the wall alone would have named.
    bool disputed = false;
    model_kind wall_fits = model_kind::none;
    std::vector<model_ideal> ideals;  // every model the verdict weighed, the arm's own model's first
    bool processes_overlapped = false;  // handlers of two processes ran at the same moment
    int asked = 0;                // requests asked for (N), the probe not included
    bool server_fields = false;   // some response carried the fields protocol (pid, thread, start_ns, end_ns)
    double overlap = 0;           // sum of client latencies / wall
    double server_overlap = 0;    // sum of handler times / span of handler times
    latency_summary latency_ms;
    std::array<int, 4> errors{};  // indexed by failure_index
    int ok = 0;
    std::optional<double> probe_ms;
    std::optional<error_kind> probe_error;  // the probe failed: the arm is partial for it alone too
    std::vector<int> waves;       // how many responses completed in each burst (gaps > t/2)
    std::map<long long, int> per_pid;  // successful responses by the server pid that made them
    double rps = 0;               // successful responses per second of the timed window
    double bytes_per_s = 0;
    response_tally responses;     // by status code, and the bodies' sizes

    // The server's own loop monitor (lab servers only): the worst process's figures, stalls summed.
    struct lag_figures {
        double max_ms = 0, stalled_ms = 0, interval_ms = 0;
        bool max_is_bound = false;     // no tick 1 ms late in the window: max_ms (1) is an upper bound
        bool at_least = false;         // the server kept only its first late ticks' times: stalls and max are a floor
        std::optional<double> p99_ms;  // the server's whole life: given only for a server started for the run
        std::int64_t stalls = 0;       // ticks 10 ms or more late, inside the window
        int processes = 0;
    };
    std::optional<lag_figures> loop_lag;
    // --gil: each thread's share of its time with the lock spent waiting for it.
    struct gil_thread {
        std::int64_t pid = 0, thread = 0;
        double held_ms = 0, waited_ms = 0;
        int holds = 0;
    };
    std::vector<gil_thread> gil_threads;
    std::optional<db_pool_use> db_pool;  // a lab server with --database-url
    // The lab server's request states (DESIGN.md §11): the most requests in each state at once,
    // and the mean over the window, indexed by request_state.
    struct depths {
        std::array<int, request_state_count> max{};
        std::array<double, request_state_count> mean{};
    };
    std::optional<depths> queue_depths;
    // A probed app: what held its loop inside the window, by place, the longest first.
    struct blocked_figures {
        blocked_location where;  // file empty: stalls that ended before they could be sampled
        int stalls = 0;
        double ms = 0;
    };
    std::vector<blocked_figures> blocked;
    double blocked_threshold_ms = 0;  // > 0: a probe watched (so an empty `blocked` means never)

    // Open loop only (DESIGN.md §3, wrk2): latency from the planned send time, the delay
    // between plan and send, and how corrected latency moved from the first to the last
    // tenth of the schedule.
    bool open_loop = false;
    latency_summary corrected_ms;
    latency_summary queue_delay_ms;
    double corrected_first_tenth_ms = 0, corrected_last_tenth_ms = 0;
};

// What a lab server measured of itself (GET /metrics?format=json), read once after the load.
struct loop_lag {
    std::int64_t pid = 0;
    double interval_ms = 0;     // the monitor's timer period
    std::int64_t ticks = 0;
    double max_ms = 0, p99_ms = 0;
    std::int64_t stalls = 0;    // ticks 10 ms or more late
    double stalled_ms = 0;      // those ticks' lateness, summed: how long the loop was frozen
    std::vector<std::pair<std::int64_t, std::int64_t>> late;  // ticks 1 ms or more late: [due, ran], the first 4096
    std::int64_t late_dropped = 0;  // late ticks past the first 4096: counted above, their times not kept
};

// One hold of the emulated GIL (--gil): asked for at want_ns, held from got_ns to end_ns.
struct gil_hold {
    std::int64_t pid = 0, thread = 0, want_ns = 0, got_ns = 0, end_ns = 0;
};

struct server_telemetry {
    std::vector<loop_lag> loops;  // one per server process
    std::vector<gil_hold> gil;    // every process's, by got_ns; the first 16 384 of each
    std::int64_t gil_dropped = 0;
    // A probed app's (the lab's own server has none): every process's stalls, their places merged.
    std::vector<blocked_location> blocked_at;
    std::vector<blocked_stall> blocked;
    double blocked_threshold_ms = 0;  // > 0: a probe watched for them
    std::optional<db_pool_use> db_pool;  // a lab server with a database
};

// A command target that ended during its run: how ("exited with status 7"), and when.
struct target_exit {
    std::string how;
    std::int64_t at_ns = 0;  // CLOCK_MONOTONIC, to within 10 ms
};

struct arm_result {
    arm_spec spec;
    load_run run;                 // the median repeat's run, or the worst one when any failed
    arm_stats stats;
    std::vector<double> repeat_wall_ms;
    int failed_repeats = 0;  // repeats in which some request failed; the worst of them is `run`
    int shown_repeat = 0;    // which repeat `run` is (0-based)
    std::vector<process_memory> memory;  // the server's processes after the load
    long long peak_rss_kb = 0;           // all the server's processes together, sampled during the load
    std::vector<server_fields> jobs;     // POST /tasks: where and when each background job ran
    std::optional<server_telemetry> telemetry;  // a lab server's own measures; absent for other targets
    std::optional<double> speedup;       // baseline arm's wall / this arm's wall
    std::optional<target_exit> target_ended;  // the command target exited mid-run (the shown run)
};

struct scenario_result {
    std::string name;
    std::string title;
    std::string lesson;
    std::vector<arm_result> arms;
    std::vector<std::string> notes;  // findings the report prints under the table
    std::string baseline;            // the arm speedups are measured against, if any
    bool interrupted = false;        // a signal stopped it: the arms hold what was measured by then
};

inline bool on_lab(const arm_spec& arm) { return std::holds_alternative<lab_target>(arm.target); }

// A lab arm's table route; null for another server's path or a URL no route has.
inline const route_entry* table_route(const arm_spec& arm) {
    return arm.path.empty() && arm.route != route_id::unknown ? &route(arm.route) : nullptr;
}

// What an arm requests, path and query: "/async?ms=100", or another server's "/report?t=0.1".
inline std::string request_target(const arm_spec& arm) {
    const auto* r = table_route(arm);
    return r ? std::string(r->path) + (arm.query.empty() ? "" : "?" + arm.query) : arm.path;
}

// A route whose jobs finish after their answers (POST /tasks): results are counted apart.
inline bool queues_jobs(const arm_spec& arm) {
    const auto* r = table_route(arm);
    return r && r->where == runs_on::background;
}

// GET, or the route's own method (POST /tasks).
inline http_method request_method(const arm_spec& arm) {
    const auto* r = table_route(arm);
    return r ? r->method : http_method::get;
}

// Its path alone, as the reports name it.
inline std::string request_path(const arm_spec& arm) {
    const std::string target = request_target(arm);
    return target.substr(0, target.find('?'));
}

// "lab", the command line, or the URL: what the JSON's `target` says.
inline std::string target_label(const arm_spec& arm) {
    if (const auto* c = std::get_if<command_target>(&arm.target)) {
        std::string line;
        for (const auto& a : c->argv) line += (line.empty() ? "" : " ") + a;
        return line;
    }
    if (const auto* u = std::get_if<url_target>(&arm.target)) return u->url;
    return "lab";
}

// Whether an arm's `advice` held: its run was judged and followed the model the arm names.
inline bool advice_held(const arm_spec& spec, const arm_stats& s) {
    return s.outcome == run_outcome::judged && !s.disputed && s.verdict == spec.model;
}

// The verdict column: the model a judged run fits, or why none is named.
inline const char* verdict_name(const arm_stats& s) {
    switch (s.outcome) {
        case run_outcome::failed: return "failed";
        case run_outcome::partial: return "partial";
        case run_outcome::judged: break;
    }
    if (s.disputed) return "disputed";
    return to_string(s.verdict);
}

}  // namespace lab
