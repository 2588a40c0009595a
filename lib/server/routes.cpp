#include "server/routes.hpp"

#include "model/clock.hpp"
#include "server/fixed_body.hpp"
#include "server/handler_run.hpp"
#include "server/io_routes.hpp"
#include "server/offload.hpp"
#include "net/query.hpp"
#include "workload/cpu_work.hpp"

#include <fmt/format.h>
#include <iterator>
#include <boost/asio/this_coro.hpp>
#include <boost/json/object.hpp>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>

namespace lab {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

std::unique_ptr<gil> make_gil(const server_options& options, metrics_writer meter) {
    if (!options.gil) return nullptr;
    return std::make_unique<gil>(std::chrono::milliseconds(5),
                                 [meter](std::int64_t thread, std::int64_t want, std::int64_t got, std::int64_t end) {
                                     meter.gil_hold(thread, want, got, end);
                                 });
}

}  // namespace

server_state::server_state(const server_options& options)
    : pid(::getpid()),
      own_metrics(options.shared_metrics ? nullptr : std::make_unique<metrics_board>(1)),
      metrics(options.shared_metrics ? *options.shared_metrics : *own_metrics),
      meter(metrics.claim(static_cast<std::size_t>(options.metrics_slot), pid, options.lag_interval_us,
                          options.pool_threads)),
      db(options.database_url.empty() ? nullptr : std::make_unique<pg_pool>(options.database_url, options.db_pool)),
      downstream(options.downstream.empty() ? std::nullopt : std::optional(parse_downstream(options.downstream))),
      pool(static_cast<std::size_t>(options.pool_threads)),
      lock(make_gil(options, meter)),
      test_routes(options.test_routes),
      io_timeout(options.io_timeout_ms),
      own_tasks(options.shared_tasks ? nullptr : std::make_unique<task_board>(task_board_slots(options))),
      tasks(options.task_workers, static_cast<std::size_t>(options.task_capacity),
            options.shared_tasks ? *options.shared_tasks : *own_tasks) {
    if (db) meter.db_connections(db->size());
}

namespace {

handler_run blocking_sleep(long long ms) {
    handler_run run{this_thread_id(), monotonic_ns(), 0};
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    run.end_ns = monotonic_ns();
    return run;
}

struct sleep_job {
    long long ms;
    pool_gauge gauge;
    handler_run operator()() const {
        return gauge.run([ms = ms] { return blocking_sleep(ms); });
    }
};

struct cpu_run {
    handler_run run;
    cpu_result cpu;
};

cpu_run cpu_work(std::uint64_t n, gil* lock) {
    cpu_run out;
    out.run = {this_thread_id(), monotonic_ns(), 0};
    out.cpu = sum_of_roots(n, lock);
    out.run.end_ns = monotonic_ns();
    return out;
}

struct cpu_job {
    std::uint64_t n;
    gil* lock;
    pool_gauge gauge;
    cpu_run operator()() const {
        return gauge.run([this] { return cpu_work(n, lock); });
    }
};

loop_task<> handle_cpu(const parsed_target& target, server_state& state, reply& out) {
    auto n = parse_int_param(target, "n", 0, static_cast<long long>(max_cpu_n));
    if (!n.ok()) co_return set_error(out, http::status::bad_request, n.error);
    const std::string* on = target.find("on");
    std::string where = on ? *on : "loop";
    if (where != "loop" && where != "pool")
        co_return set_error(out, http::status::bad_request, "bad on='" + where + "': on must be loop or pool");
    cpu_run result;
    if (where == "loop") {
        result = cpu_work(static_cast<std::uint64_t>(n.value), state.lock.get());
    } else {
        out.mark(request_state::queued, monotonic_ns());
        result = co_await offload<cpu_run>(state.pool, cpu_job{static_cast<std::uint64_t>(n.value), state.lock.get(),
                                                                pool_gauge(state.meter)});
        mark_pool_run(out, result.run);
    }
    thread_local fixed_body body{run_keys, {"n", "on", "gil", "cpu_ms", "result"}};
    set_run(body, route(route_id::cpu).path, state.pid, result.run);
    set_timing(out, state.pid, result.run);
    body["n"] = n.value;
    body["on"] = where;
    body["gil"] = state.lock != nullptr;
    body["cpu_ms"] = static_cast<double>(result.cpu.cpu_ns) / 1e6;
    body["result"] = result.cpu.sum;
    set_json(out, http::status::ok, body.object());
}

void submit_task(const parsed_target& target, server_state& state, reply& out) {
    task_job job;
    if (target.find("n")) {
        auto n = parse_int_param(target, "n", 1, static_cast<long long>(max_cpu_n));
        if (!n.ok()) return set_error(out, http::status::bad_request, n.error);
        job.n = static_cast<std::uint64_t>(n.value);
    } else {
        auto ms = parse_int_param(target, "ms", 0, max_handler_ms);
        if (!ms.ok()) return set_error(out, http::status::bad_request, ms.error + " (or give n= for CPU work)");
        job.ms = ms.value;
    }
    auto now = monotonic_ns();
    auto id = state.tasks.submit(job);
    if (!id) return set_error(out, http::status::service_unavailable, "task queue full; try again later");
    thread_local fixed_body body{run_keys, {"task_id", "status", "queue_depth"}};
    set_run(body, route(route_id::tasks).path, state.pid, {this_thread_id(), now, monotonic_ns()});
    body["task_id"] = static_cast<std::int64_t>(*id);
    body["status"] = "queued";
    body["queue_depth"] = state.tasks.waiting();
    set_json(out, http::status::accepted, body.object());
}

void report_task(std::string_view id_text, server_state& state, reply& out) {
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    auto task = ec == std::errc{} && end == id_text.data() + id_text.size() ? state.tasks.find(id) : std::nullopt;
    if (!task)
        return set_error(out, http::status::not_found,
                         "no task " + std::string(id_text) + " (never made, or older than the last " +
                             std::to_string(remembered_tasks) + ")");
    auto now = monotonic_ns();
    // Once done, the fields say where and when the job itself ran (perhaps in another worker
    // process); before, they are this lookup's.
    bool done = task->status == task_status::done;
    boost::json::object body;  // its keys depend on the job (n or ms, a result once done)
    const std::string_view tasks = route(route_id::tasks).path;
    const handler_run run = done ? handler_run{task->thread, task->start_ns, task->end_ns}
                                 : handler_run{this_thread_id(), now, now};
    set_run(body, tasks, done ? task->pid : state.pid, run);
    set_timing(out, done ? task->pid : state.pid, run);
    body["task_id"] = static_cast<std::int64_t>(task->id);
    body["status"] = to_string(task->status);
    body["queued_ns"] = task->queued_ns;
    if (task->job.n > 0) body["n"] = task->job.n;
    else body["ms"] = task->job.ms;
    if (done && task->job.n > 0) body["result"] = task->result;
    set_json(out, http::status::ok, body);
}

// GET /metrics: Prometheus's text format, or ?format=json for what it has no type for (the
// loop's late ticks, the GIL's holds) — the runner reads that one after a run.
void metrics(const parsed_target& target, const server_state& state, reply& out) {
    const std::string* format = target.find("format");
    if (format && *format != "json" && *format != "text")
        return set_error(out, http::status::bad_request, "bad format='" + *format + "': format must be text or json");
    const bool json = format && *format == "json";
    out.status = http::status::ok;
    out.allow = {};
    out.content_type = json ? std::string_view{} : std::string_view{"text/plain; version=0.0.4; charset=utf-8"};
    out.body = json ? state.metrics.json() : state.metrics.prometheus_text();
}

void health(const server_state& state, reply& out) {
    auto now = monotonic_ns();
    thread_local fixed_body body{run_keys, {"status"}};
    set_run(body, route(route_id::health).path, state.pid, {this_thread_id(), now, now});
    body["status"] = "ok";
    set_json(out, http::status::ok, body.object());
}

}  // namespace

bool answer_at_once(const http_request& req, const server_state& state, reply& out) {
    // /health takes no parameters: its exact target needs no URL parsing (a tenth of its work).
    if (req.target() != route(route_id::health).path || req.method() != http::verb::get) return false;
    out.route = route_id::health;
    health(state, out);
    return true;
}

namespace {

// GET /crash (--test-routes): a worker dying while it serves others, for the supervisor to
// notice and the client to count. It waits (at most 2 s) until this worker holds another
// request, so the crash always takes in-flight requests with it — the lesson of worker-crash.
loop_task<> crash_when_busy(server_state& state) {
    loop_timer tick(co_await asio::this_coro::executor);
    for (int waited_ms = 0; state.in_flight < 2 && waited_ms < 2000; ++waited_ms) {
        tick.expires_after(std::chrono::milliseconds(1));
        co_await tick.async_wait(on_loop);
    }
    ::raise(SIGKILL);
}

// Counts the request among the loop's in-flight ones for as long as its coroutine runs.
struct in_flight_guard {
    explicit in_flight_guard(int& n) : n_(n) { ++n_; }
    ~in_flight_guard() { --n_; }
    in_flight_guard(const in_flight_guard&) = delete;
    in_flight_guard& operator=(const in_flight_guard&) = delete;
    int& n_;
};

// The table's method for the route (HEAD wherever GET is): anything else is 405. A path the
// table does not know, or a route switched off, is 404 whatever the method.
bool refuse_method(const http_request& req, route_id id, const server_state& state, reply& out) {
    if (id == route_id::unknown || (id == route_id::crash && !state.test_routes)) return false;
    const http_method wanted = route(id).method;
    if (wanted == http_method::get && (req.method() == http::verb::get || req.method() == http::verb::head)) return false;
    if (wanted == http_method::post && req.method() == http::verb::post) return false;
    if (wanted == http_method::post)
        set_error(out, http::status::method_not_allowed, std::string(route(id).path) + " takes jobs by POST");
    else
        set_error(out, http::status::method_not_allowed,
                  "only GET and HEAD are served (and POST " + std::string(route(route_id::tasks).path) + ")");
    out.allow = wanted == http_method::get ? "GET, HEAD" : "POST";
    return true;
}

// The routes that sleep ms: where the sleep runs is the lesson.
loop_task<> handle_sleep(route_id id, const parsed_target& target, server_state& state, reply& out) {
    auto ms = parse_int_param(target, "ms", 0, max_handler_ms);
    if (!ms.ok()) co_return set_error(out, http::status::bad_request, ms.error);
    handler_run run;
    if (id == route_id::blocking) {
        // The lesson: a blocking call on the loop thread freezes every connection, accept included.
        run = blocking_sleep(ms.value);
    } else if (id == route_id::async) {
        run = {this_thread_id(), monotonic_ns(), 0};
        loop_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms.value));
        out.mark(request_state::waiting, run.start_ns);
        co_await timer.async_wait(on_loop);
        run.end_ns = monotonic_ns();
        // Ready from the moment the timer fell due (steady_clock is CLOCK_MONOTONIC) until the loop resumed it.
        out.mark(request_state::ready,
                 std::min(run.end_ns, std::chrono::duration_cast<std::chrono::nanoseconds>(timer.expiry().time_since_epoch()).count()));
        out.mark(request_state::running, run.end_ns);
    } else {
        out.mark(request_state::queued, monotonic_ns());
        run = co_await offload<handler_run>(state.pool, sleep_job{ms.value, pool_gauge(state.meter)});
        mark_pool_run(out, run);
    }
    thread_local fixed_body body{run_keys, {"ms"}};
    set_run(body, route(id).path, state.pid, run);
    set_timing(out, state.pid, run);
    body["ms"] = ms.value;
    set_json(out, http::status::ok, body.object());
}

}  // namespace

loop_task<> handle_request(const http_request& req, server_state& state, reply& out) {
    in_flight_guard counted(state.in_flight);
    auto target = parse_target(req.target());
    if (!target) co_return set_error(out, http::status::bad_request, "malformed request target");
    const std::string& path = target->path;
    out.route = find_route(path);
    if (refuse_method(req, out.route, state, out)) co_return;
    switch (out.route) {
        case route_id::tasks: co_return submit_task(*target, state, out);
        case route_id::task: co_return report_task(std::string_view(path).substr(path.find('/', 1) + 1), state, out);
        case route_id::health: co_return health(state, out);
        case route_id::metrics: co_return metrics(*target, state, out);
        case route_id::cpu: co_return co_await handle_cpu(*target, state, out);
        case route_id::blocking:
        case route_id::async:
        case route_id::pool: co_return co_await handle_sleep(out.route, *target, state, out);
        case route_id::db_blocking:
        case route_id::db_pool:
        case route_id::db_async: co_return co_await handle_db(out.route, *target, state, out);
        case route_id::http_blocking:
        case route_id::http_pool:
        case route_id::http_async: co_return co_await handle_downstream(out.route, *target, state, out);
        case route_id::crash:
            if (state.test_routes) co_await crash_when_busy(state);
            break;
        case route_id::unknown:
        case route_id::unread: break;
    }
    set_error(out, http::status::not_found, "no route " + path);
}

}  // namespace lab
