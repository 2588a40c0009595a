#pragma once
// Internal to lib/server: response serialization with memoized heads.
//
// A reply's head is a function of four numbers: HTTP version, status, keep-alive and body length.
// Beast writes the head the first time a combination occurs; the bytes are kept and reused for
// every later reply with the same four. Building a Beast response per request (one allocation
// per field, a serializer walking nested buffer views) was nearly a fifth of the server's
// user-space instructions per /health request.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "server/reply.hpp"

namespace lab {

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

class head_cache {
public:
    // Appends the whole response, head and body, to out.
    void serialize(const reply& r, unsigned version, boost::beast::flat_buffer& out);

private:
    static constexpr std::size_t max_entries = 256;  // body lengths vary; keep the set small
    std::unordered_map<std::uint64_t, std::string> heads_;
};

// The Beast response a reply stands for: Content-Type application/json, Content-Length, and
// Connection where the version's default differs from keep_alive.
// `with_timing`: the reply's Server-Timing too (a cached head is kept without it: each answer
// appends its own).
http_response to_response(const reply& r, unsigned version, bool with_timing = true);

// Beast's own serialization of a whole response into out, no cache.
void serialize_with_beast(const http_response& res, boost::beast::flat_buffer& out);

}  // namespace lab
