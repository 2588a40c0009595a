#include "model/routes.hpp"

namespace lab {

namespace {

using m = model_kind;
using p = route_param;
using w = runs_on;
constexpr auto get = http_method::get;
constexpr auto post = http_method::post;

constexpr auto none = route_needs::nothing;
constexpr auto db = route_needs::database;
constexpr auto downstream = route_needs::downstream;

// Indexed by route_id: route(id) is table[id].
constexpr std::array<route_entry, table_route_count> table{{
    {route_id::health, "/health", get, p::none, w::answer, m::none, false, none, "liveness; answered at once"},
    {route_id::blocking, "/blocking", get, p::ms, w::loop, m::serialized, true, none,
     "sleeps ms on the loop thread: every other connection waits"},
    {route_id::async, "/async", get, p::ms, w::coroutine, m::concurrent, true, none,
     "a timer of ms on the loop: the coroutine suspends, the loop serves others"},
    {route_id::pool, "/pool", get, p::ms, w::pool, m::pool, true, none,
     "sleeps ms on a thread of the pool behind the loop (--pool-threads)"},
    {route_id::cpu, "/cpu", get, p::n, w::chosen, m::serialized, true, none,
     "Σ√i for i < n, on the loop or the pool (on=loop|pool), under the GIL with --gil"},
    {route_id::tasks, "/tasks", post, p::ms, w::background, m::none, true, none,
     "queues a job (ms of sleep, or n of CPU work) for the task workers; 202 at once"},
    {route_id::task, "/tasks/{id}", get, p::none, w::answer, m::none, false, none, "a job's status, and where it ran"},
    {route_id::crash, "/crash", get, p::none, w::loop, m::none, false, none,
     "--test-routes: kills the worker that serves it, once it holds another request"},
    {route_id::metrics, "/metrics", get, p::none, w::answer, m::none, false, none,
     "Prometheus text, or ?format=json: loop lag, requests, pool, tasks, GIL, database pool"},
    {route_id::db_blocking, "/db/blocking", get, p::ms, w::loop, m::serialized, true, db,
     "SELECT pg_sleep(ms/1000) through libpq's blocking call on the loop thread (async def + a sync driver)"},
    {route_id::db_pool, "/db/pool", get, p::ms, w::pool, m::pool, true, db,
     "the same blocking call on a pool thread (def + a sync driver)"},
    {route_id::db_async, "/db/async", get, p::ms, w::coroutine, m::concurrent, true, db,
     "the same query through libpq's asynchronous API, its socket waited on by the loop (an async driver)"},
    {route_id::http_blocking, "/http/blocking", get, p::ms, w::loop, m::serialized, true, downstream,
     "GET the downstream's /async?ms= with a blocking client on the loop thread (urllib in async def)"},
    {route_id::http_pool, "/http/pool", get, p::ms, w::pool, m::pool, true, downstream,
     "the same blocking call on a pool thread (urllib or requests in def)"},
    {route_id::http_async, "/http/async", get, p::ms, w::coroutine, m::concurrent, true, downstream,
     "the same call awaited on the loop (an async client)"},
}};

constexpr bool indexed_by_id() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].id) != i) return false;
    return true;
}
static_assert(indexed_by_id(), "route(id) reads table[id]");

}  // namespace

const char* to_string(model_kind m) {
    switch (m) {
        case model_kind::serialized: return "serialized";
        case model_kind::concurrent: return "concurrent";
        case model_kind::pool: return "pool";
        case model_kind::parallel: return "parallel";
        case model_kind::none: break;
    }
    return "none";
}

const char* to_string(http_method m) { return m == http_method::post ? "POST" : "GET"; }

const char* to_string(cpu_place p) { return p == cpu_place::pool ? "pool" : "loop"; }

const std::array<route_entry, table_route_count>& route_table() { return table; }

route_id find_route(std::string_view path) {
    for (const auto& r : table)
        if (r.id != route_id::task && r.path == path) return r.id;
    constexpr std::string_view tasks_prefix = "/tasks/";
    return path.starts_with(tasks_prefix) ? route_id::task : route_id::unknown;
}

const route_entry& route(route_id id) { return table[static_cast<std::size_t>(id)]; }

std::string_view route_label(route_id id) {
    if (id == route_id::unknown) return "unknown";
    if (id == route_id::unread) return "unread";
    return route(id).path;
}

std::string arm_route_list() {
    std::string out;
    std::string_view last;
    for (const auto& r : table) {
        if (!r.arm) continue;
        if (!last.empty()) out += std::string(out.empty() ? "" : ", ") + std::string(last);
        last = r.path;
    }
    return out + (out.empty() ? "" : " or ") + std::string(last);
}

std::string task_path(std::int64_t id) { return "/tasks/" + std::to_string(id); }

std::string metrics_json_path() { return std::string(route(route_id::metrics).path) + "?format=json"; }

}  // namespace lab
