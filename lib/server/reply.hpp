#pragma once
// Internal to lib/server: what a route answers. Every answer of the lab's server is a status and
// a JSON body; its head (Content-Type, Content-Length, Connection) is the session's business,
// written by Beast once per shape and then reused (see head_cache). A session keeps one reply
// for all its requests, so the body's string keeps its capacity and a request allocates nothing.
#include <boost/beast/http/status.hpp>
#include <boost/json/fwd.hpp>

#include "model/records.hpp"
#include "server/metrics_board.hpp"
#include <string>
#include <string_view>

namespace lab {

struct reply {
    boost::beast::http::status status = boost::beast::http::status::ok;
    std::string body;  // JSON
    bool keep_alive = true;
    std::string_view allow;  // a 405's Allow header (RFC 9110 §15.5.6); empty otherwise
    std::string_view content_type;  // empty: application/json (every route but GET /metrics)
    route_id route = route_id::unread;  // what GET /metrics counts the answer under
    std::string timing;  // a Server-Timing value (the handler's run), or empty; kept capacity as body's
    bool head_only = false;  // a HEAD request: the head as GET's, Content-Length included, and no body (RFC 9110 §9.3.2)
    request_states states;   // its way through the server (DESIGN.md §11), marked as it goes

    // The request is in state `s` from `at_ns` (CLOCK_MONOTONIC) on; marks come in time order.
    void mark(request_state s, std::int64_t at_ns) {
        if (states.count < states.marks.size()) states.marks[states.count++] = {s, at_ns};
    }
};

// Adds the states to the Server-Timing value, after the handler's metrics: `read_ns;desc=T`, the
// first mark's time, and `states;desc=R0.W15.Y100020.R100031.D100040`, each state's letter and
// its start in µs after it. Nothing for a reply without handler metrics (/health's).
void add_states(reply& r);

// Serializes `body` (Boost.JSON) into r.body and sets the status.
void set_json(reply& r, boost::beast::http::status status, const boost::json::object& body);

// A small JSON error body ({"error": ..., "status": ...}) with the given status. Bytes of
// the message that are not printable ASCII (it may echo a client's %ff) are written as \xFF,
// so every body is valid UTF-8 and valid JSON.
void set_error(reply& r, boost::beast::http::status status, std::string_view message);

}  // namespace lab
