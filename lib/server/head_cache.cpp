#include "server/head_cache.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <cstring>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

void append(beast::flat_buffer& out, std::string_view bytes) {
    auto space = out.prepare(bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    out.commit(bytes.size());
}

// Drives a serializer until `done`, copying what it hands out into out.
template <class Serializer, class Done>
void drain(Serializer& sr, beast::flat_buffer& out, Done done) {
    beast::error_code ec;
    while (!done() && !ec) {
        sr.next(ec, [&](beast::error_code&, const auto& buffers) {
            auto n = asio::buffer_copy(out.prepare(beast::buffer_bytes(buffers)), buffers);
            out.commit(n);
            sr.consume(n);
        });
    }
}

// Version (10 or 11) in 8 bits, status in 10, keep-alive in 1, length in the remaining 45.
std::uint64_t head_key(const reply& r, unsigned version) {
    return (std::uint64_t{version & 0xffu} << 56) | (std::uint64_t{static_cast<unsigned>(r.status) & 0x3ffu} << 46) |
           (std::uint64_t{r.keep_alive} << 45) | (r.body.size() & ((std::uint64_t{1} << 45) - 1));
}

}  // namespace

http_response to_response(const reply& r, unsigned version, bool with_timing) {
    http_response res{r.status, version};
    res.set(http::field::content_type, r.content_type.empty() ? "application/json" : r.content_type);
    if (!r.allow.empty()) res.set(http::field::allow, r.allow);
    if (with_timing && !r.timing.empty()) res.set("Server-Timing", r.timing);
    res.body() = r.body;
    res.prepare_payload();
    res.keep_alive(r.keep_alive);
    return res;
}

void serialize_with_beast(const http_response& res, beast::flat_buffer& out) {
    http::response_serializer<http::string_body> sr{res};
    drain(sr, out, [&] { return sr.is_done(); });
}

namespace {

// Beast's serialization of the response's head alone, appended to out.
void serialize_head(const http_response& res, beast::flat_buffer& out) {
    http::response_serializer<http::string_body> sr{res};
    sr.split(true);
    drain(sr, out, [&] { return sr.is_header_done(); });
}

}  // namespace

void head_cache::serialize(const reply& r, unsigned version, beast::flat_buffer& out) {
    // A rare 405 or a /metrics page: not cached.
    if (!r.allow.empty() || !r.content_type.empty()) {
        const http_response res = to_response(r, version);
        return r.head_only ? serialize_head(res, out) : serialize_with_beast(res, out);
    }
    const auto key = head_key(r, version);
    auto found = heads_.find(key);
    if (found == heads_.end()) {
        if (heads_.size() >= max_entries) heads_.clear();
        beast::flat_buffer head;
        // The head of the shape, without this answer's Server-Timing: each answer appends its own.
        serialize_head(to_response(r, version, false), head);
        found = heads_.emplace(key, beast::buffers_to_string(head.data())).first;
    }
    if (r.timing.empty()) {
        append(out, found->second);
    } else {
        // The cached head without its closing blank line, this run's Server-Timing, the blank line.
        const std::string_view head = found->second;
        append(out, head.substr(0, head.size() - 2));
        append(out, "Server-Timing: ");
        append(out, r.timing);
        append(out, "\r\n\r\n");
    }
    if (!r.head_only) append(out, r.body);
}

}  // namespace lab
