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

}  // namespace

void serialize_with_beast(const http_response& res, beast::flat_buffer& out) {
    http::response_serializer<http::string_body> sr{res};
    drain(sr, out, [&] { return sr.is_done(); });
}

void head_cache::serialize(const http_response& res, beast::flat_buffer& out) {
    // A chunked body is framed by the serializer itself; the cache covers Content-Length only.
    if (res.chunked()) return serialize_with_beast(res, out);
    // The key holds every input of the head: version, status, reason and each field in order.
    key_.clear();
    const unsigned numbers[] = {res.version(), res.result_int()};
    key_.append(reinterpret_cast<const char*>(numbers), sizeof numbers);
    key_.append(res.reason());
    for (const auto& field : res) {
        key_ += '\n';
        key_.append(field.name_string());
        key_ += '\0';
        key_.append(field.value());
    }
    auto found = heads_.find(key_);
    if (found == heads_.end()) {
        if (heads_.size() >= max_entries) heads_.clear();
        http::response_serializer<http::string_body> sr{res};
        sr.split(true);
        beast::flat_buffer head;
        drain(sr, head, [&] { return sr.is_header_done(); });
        found = heads_.emplace(key_, beast::buffers_to_string(head.data())).first;
    }
    append(out, found->second);
    append(out, res.body());
}

}  // namespace lab
