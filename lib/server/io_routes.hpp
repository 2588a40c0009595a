#pragma once
// Internal to lib/server: the routes whose handler waits on something real (DESIGN.md §10) — a
// query to PostgreSQL (/db/*) or a call to a downstream HTTP server (/http/*) — in the notes'
// three ways: a blocking client on the loop, the same client on the pool, an awaited one.
#include "net/query.hpp"
#include "server/routes.hpp"

namespace lab {

loop_task<> handle_db(route_id id, const parsed_target& target, server_state& state, reply& out);
loop_task<> handle_downstream(route_id id, const parsed_target& target, server_state& state, reply& out);

}  // namespace lab
