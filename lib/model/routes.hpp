#pragma once
// The lab server's routes, once (DESIGN.md §7): path, method, the parameter that sizes the
// work, where the body runs and the execution model that promises. The server dispatches from
// this table, the scenario reader validates against it, the runner, analysis and reports ask
// it; no other file spells a route.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lab {

// The execution models of DESIGN.md §4; `none` when a target's model is unknown.
enum class model_kind { none, serialized, concurrent, pool, parallel };
const char* to_string(model_kind m);

enum class route_id : std::uint8_t {
    health, blocking, async, pool, cpu, tasks, task, crash, metrics,
    db_blocking, db_pool, db_async, http_blocking, http_pool, http_async,
    unknown, unread
};
inline constexpr std::size_t table_route_count = 15;  // the routes of the table: every id but `unknown` and `unread`
inline constexpr std::size_t route_count = table_route_count + 2;

enum class http_method : std::uint8_t { get, post };
const char* to_string(http_method m);

// What sizes a request's work: a duration in ms, a count n of Σ√i terms, or nothing.
enum class route_param : std::uint8_t { none, ms, n };

// Where a route's body runs, which decides how many requests one process serves at once.
enum class runs_on : std::uint8_t {
    loop,        // on the loop thread, blocking it: one at a time
    coroutine,   // on the loop, suspended while it waits: every connection at once
    pool,        // on the thread pool behind the loop: pool_threads at once
    chosen,      // on=loop or on=pool, as the request says (/cpu)
    background,  // queued for the task workers; the request is answered at once
    answer,      // answered on the loop without waiting (health, lookups, metrics)
};

// What a route's work waits on besides its own thread: a connection of the server's database
// pool (--database-url, --db-pool K), or a call to its downstream (--downstream).
enum class route_needs : std::uint8_t { nothing, database, downstream };

// Where a /cpu request's work runs (its `on` parameter).
enum class cpu_place : std::uint8_t { loop, pool };
const char* to_string(cpu_place p);

// Longest handler duration a request (and an arm's `ms`) may ask for.
inline constexpr long long max_handler_ms = 60'000;

struct route_entry {
    route_id id;
    std::string_view path;  // "/tasks/{id}" for the one route with a path parameter
    http_method method;
    route_param param;
    runs_on where;
    model_kind model;       // N requests at concurrency C; /cpu's is refined by the scenario
    bool arm;               // a scenario arm may load it
    route_needs needs;
    std::string_view what;  // one line for docs/routes.md and `--help`
};

// Every route the server answers, in the order GET /metrics lists them.
const std::array<route_entry, table_route_count>& route_table();

// The route a request path names (exact, or /tasks/{id}); `unknown` when none.
route_id find_route(std::string_view path);
const route_entry& route(route_id id);  // id must name a table route (not unknown or unread)
// The path GET /metrics labels a route with: its table path, or "unknown" / "unread".
std::string_view route_label(route_id id);
// The paths a scenario arm may name, for errors: "/blocking, /async, /pool, /cpu or /tasks".
std::string arm_route_list();
// GET /tasks/{id} for one job; GET /metrics?format=json.
std::string task_path(std::int64_t id);
std::string metrics_json_path();

}  // namespace lab
