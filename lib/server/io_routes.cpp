#include "server/io_routes.hpp"

#include "load/http_get.hpp"
#include "model/clock.hpp"
#include "server/fixed_body.hpp"
#include "server/handler_run.hpp"
#include "server/offload.hpp"

#include <chrono>
#include <fmt/format.h>
#include <optional>
#include <string>

namespace lab {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// What a handler that waited on the database or a downstream reports: its run (from the moment
// it held a connection, so a pool's waves show in the lanes) and how long it waited for one.
struct io_run {
    handler_run run;
    std::int64_t waited_ns = 0;
    std::int64_t job_ns = 0;  // on the pool: when its thread took the job (then it waits for a connection)
    std::string error;  // the database's or the downstream's words; empty when it answered
    bool no_connection = false;  // the loop gave up waiting for a connection
};

void answer(route_id id, long long ms, const io_run& r, server_state& state, reply& out) {
    if (r.no_connection) return set_error(out, http::status::service_unavailable, r.error);
    if (!r.error.empty()) return set_error(out, http::status::bad_gateway, r.error);
    thread_local fixed_body body{run_keys, {"ms", "waited_ms"}};
    set_run(body, route(id).path, state.pid, r.run);
    set_timing(out, state.pid, r.run);
    body["ms"] = ms;
    body["waited_ms"] = static_cast<double>(r.waited_ns) / 1e6;
    set_json(out, http::status::ok, body.object());
}

// ---- The database: SELECT pg_sleep(t), on a connection of the process's pool. ----

// On the loop thread (`limit` set) a connection is waited for a bounded time: the coroutines
// that hold the others cannot give one back while the loop waits.
io_run query_blocking(pg_pool& db, long long ms, metrics_writer meter, std::optional<std::chrono::milliseconds> limit) {
    io_run r;
    r.job_ns = monotonic_ns();
    try {
        auto taken = limit ? db.take(*limit) : std::optional(db.take());
        if (!taken) {
            r.no_connection = true;
            r.error = fmt::format("no database connection came free within {} ms: the loop thread waited for one "
                                  "that only the loop could give back (a blocking driver in async def)",
                                  limit->count());
            return r;
        }
        auto& lease = *taken;
        meter.db_take(r.waited_ns = lease.waited_ns());
        r.run = {this_thread_id(), monotonic_ns(), 0};
        pg_sleep_blocking(lease.connection(), static_cast<double>(ms) / 1000);
        r.run.end_ns = monotonic_ns();  // before the connection goes back: the next holder starts after
    } catch (const db_error& e) {
        r.error = e.what();
    }
    return r;
}

struct query_job {
    pg_pool* db;
    long long ms;
    pool_gauge gauge;
    io_run operator()() const {
        return gauge.run([this] { return query_blocking(*db, ms, gauge.meter, std::nullopt); });
    }
};

loop_task<io_run> query_on_loop(pg_pool& db, long long ms, metrics_writer meter) {
    io_run r;
    try {
        auto lease = co_await db.take_on_loop();
        meter.db_take(r.waited_ns = lease.waited_ns());
        r.run = {this_thread_id(), monotonic_ns(), 0};
        co_await pg_sleep_on_loop(lease.connection(), static_cast<double>(ms) / 1000);
        r.run.end_ns = monotonic_ns();
    } catch (const db_error& e) {
        r.error = e.what();
    }
    co_return r;
}

// ---- The downstream: GET {base}/async?ms=T, a new connection per call as urllib makes. ----

// GET {base}/async?ms=T: the downstream's awaited route, as the lab's own server and the notes'
// app both answer it.
target_url downstream_call(const target_url& base, long long ms) {
    target_url url = base;
    url.target = base.target + std::string(route(route_id::async).path) + "?ms=" + std::to_string(ms);
    return url;
}

// Its run, from the call to the answer, and the downstream's failure if it did not answer 2xx.
io_run downstream_run(std::int64_t start_ns, const http_answer& a) {
    io_run r;
    r.run = {this_thread_id(), start_ns, monotonic_ns()};
    if (a.status == 0) r.error = "downstream: " + a.error;
    else if (a.status < 200 || a.status > 299) r.error = "downstream answered " + std::to_string(a.status);
    return r;
}

io_run call_blocking(const target_url& base, long long ms, double timeout_s) {
    const auto start = monotonic_ns();
    return downstream_run(start, http_get(downstream_call(base, ms), timeout_s));
}

struct call_job {
    const target_url* base;
    long long ms;
    double timeout_s;
    pool_gauge gauge;
    io_run operator()() const {
        return gauge.run([this] { return call_blocking(*base, ms, timeout_s); });
    }
};

loop_task<io_run> call_on_loop(const target_url& base, long long ms, std::chrono::milliseconds timeout) {
    const auto start = monotonic_ns();
    co_return downstream_run(start, co_await http_get_on_loop(downstream_call(base, ms), timeout, 1u << 20));
}

}  // namespace

loop_task<> handle_db(route_id id, const parsed_target& target, server_state& state, reply& out) {
    auto ms = parse_int_param(target, "ms", 0, max_handler_ms);
    if (!ms.ok()) co_return set_error(out, http::status::bad_request, ms.error);
    if (!state.db)
        co_return set_error(out, http::status::service_unavailable,
                            "no database: this server was started without --database-url");
    io_run r;
    if (id == route_id::db_blocking) {
        // The lesson: a blocking driver on the loop thread freezes every connection for the query.
        r = query_blocking(*state.db, ms.value, state.meter, state.io_timeout);
    } else if (id == route_id::db_pool) {
        out.mark(request_state::queued, monotonic_ns());
        r = co_await offload<io_run>(state.pool, query_job{state.db.get(), ms.value, pool_gauge(state.meter)});
        // On its thread from when it took the job: waiting there for a connection, then querying.
        mark_pool_run(out, {r.run.thread, r.job_ns, r.run.end_ns ? r.run.end_ns : monotonic_ns()});
    } else {
        out.mark(request_state::waiting, monotonic_ns());  // for a connection, then for the database
        r = co_await query_on_loop(*state.db, ms.value, state.meter);
        out.mark(request_state::running, monotonic_ns());
    }
    answer(id, ms.value, r, state, out);
}

loop_task<> handle_downstream(route_id id, const parsed_target& target, server_state& state, reply& out) {
    auto ms = parse_int_param(target, "ms", 0, max_handler_ms);
    if (!ms.ok()) co_return set_error(out, http::status::bad_request, ms.error);
    if (!state.downstream)
        co_return set_error(out, http::status::service_unavailable,
                            "no downstream: this server was started without --downstream");
    // The downstream takes its ms; the call may take as long as a client may keep this server waiting.
    const auto timeout = state.io_timeout + std::chrono::milliseconds(ms.value);
    const double timeout_s = std::chrono::duration<double>(timeout).count();
    io_run r;
    if (id == route_id::http_blocking) {
        r = call_blocking(*state.downstream, ms.value, timeout_s);
    } else if (id == route_id::http_pool) {
        out.mark(request_state::queued, monotonic_ns());
        r = co_await offload<io_run>(state.pool, call_job{&*state.downstream, ms.value, timeout_s, pool_gauge(state.meter)});
        mark_pool_run(out, r.run);
    } else {
        out.mark(request_state::waiting, monotonic_ns());
        r = co_await call_on_loop(*state.downstream, ms.value, timeout);
        out.mark(request_state::running, monotonic_ns());
    }
    answer(id, ms.value, r, state, out);
}

}  // namespace lab
