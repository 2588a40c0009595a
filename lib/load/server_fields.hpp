#pragma once
// Reads the lab server's handler fields (pid, thread, start_ns, end_ns) and a task's id and
// status from a response body. Boost.JSON's event parser does the parsing: no document is
// built and nothing is allocated, which the load generator needs at 100k+ responses a second.
#include "model/records.hpp"

#include <string_view>

namespace lab {

// Sets rec.server when the body is a JSON object carrying all four handler fields as
// integers, rec.task_id and rec.task_done when it carries them; a body that is not valid
// JSON, or not an object, changes nothing. Only top-level keys count.
void read_server_fields(std::string_view body, request_record& rec);

// Sets rec.server from a Server-Timing header value (W3C: `name;dur=…;desc=…`, comma-separated,
// every Server-Timing line of the response joined by ", ") when it carries the four handler
// metrics `pid`, `thread`, `start_ns` and `end_ns` as decimal integers in `desc` (token or
// quoted-string). The probe and the lab's own server send them (docs/targets.md); a header without
// all four, or with one malformed, changes nothing. Returns whether it set them.
bool read_server_timing(std::string_view header, request_record& rec);

// The request's states (DESIGN.md §11) from the same header: `read_ns;desc=T` and
// `states;desc=R0.W15.Y100020.R100031.D100040` (each state's letter, its start in µs after T).
// A header without both, or with a mark malformed or out of order, changes nothing.
bool read_server_states(std::string_view header, request_states& out);

}  // namespace lab
