#include "server/reply.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>
#include <fmt/format.h>
#include <algorithm>
#include <iterator>

namespace lab {

void set_json(reply& r, boost::beast::http::status status, const boost::json::object& body) {
    // One serializer per thread: reset() reuses the storage its state stack grew into.
    thread_local boost::json::serializer serializer;
    serializer.reset(&body);
    r.status = status;
    r.allow = {};
    r.content_type = {};
    r.body.clear();
    char chunk[512];
    while (!serializer.done()) r.body.append(serializer.read(chunk, sizeof chunk));
}

void set_error(reply& r, boost::beast::http::status status, std::string_view message) {
    std::string text;
    text.reserve(message.size());
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : message) {
        if (c >= 0x20 && c < 0x7f) {
            text += static_cast<char>(c);
        } else {
            text += "\\x";
            text += hex[c >> 4];
            text += hex[c & 0xf];
        }
    }
    set_json(r, status, {{"error", text}, {"status", static_cast<int>(status)}});
}

}  // namespace lab

namespace lab {

void add_states(reply& r) {
    if (r.timing.empty() || r.states.count == 0) return;
    const auto base = r.states.marks[0].at_ns;
    fmt::format_to(std::back_inserter(r.timing), ", read_ns;desc={}, states;desc=", base);
    for (std::size_t i = 0; i < r.states.count; ++i) {
        const auto& m = r.states.marks[i];
        // Microseconds: the replay's finest step, and a mark of a handler that never waited is 0.
        fmt::format_to(std::back_inserter(r.timing), "{}{}{}", i ? "." : "", state_letter(m.state),
                       std::max<std::int64_t>(0, m.at_ns - base) / 1000);
    }
}

}  // namespace lab
