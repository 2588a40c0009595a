#pragma once
// What a user may put into the requests `load` and a foreign arm send: a method, header lines
// and a body (DESIGN.md §3). Each is checked here against HTTP's own syntax (RFC 9110 §5.6.2,
// §5.5), so no byte of user input can end a line early and write a header of its own, and
// the fields the client frames itself (Content-Length, Transfer-Encoding, Connection) stay its own.
#include "model/records.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lab {

// A method token ("GET", "POST", "PURGE"); CONNECT is refused (a tunnel, not a request the lab
// can time). Throws std::invalid_argument with a one-line reason.
void check_method(std::string_view method);

// "Name: value" (curl's and hey's -H): a token, a colon, a value of visible text, spaces and
// tabs (surrounding whitespace dropped). Throws std::invalid_argument with a one-line reason.
std::pair<std::string, std::string> parse_header(std::string_view line);

// The same checks for a name and value given apart (a scenario file's table).
void check_header(std::string_view name, std::string_view value);

// The most a request body may hold: it is serialized once and kept in memory for the run.
inline constexpr std::size_t max_body_bytes = 64u << 20;

// A body file's bytes, exactly; "-" reads stdin. Throws std::invalid_argument when it cannot be
// read or is larger than max_body_bytes.
std::string read_body_file(const std::filesystem::path& path);

}  // namespace lab
