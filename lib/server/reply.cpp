#include "server/reply.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>

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
