#pragma once
// What each fuzz target does with its input, one function per target: the libFuzzer mains
// (fuzz/fuzz_*.cpp) call these, and the unit tests replay every seed and every saved crash
// through the very same calls (tests/unit/fuzz_replay_test.cpp). The expected answer to bad
// input is the parser's own error; a crash, a sanitizer report or any other exception is a bug.
#include "check/check.hpp"
#include "load/load_generator.hpp"
#include "load/response_reader.hpp"
#include "load/server_fields.hpp"
#include "load/telemetry_reader.hpp"
#include "scenario/scenario_spec.hpp"
#include "net/query.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lab::fuzz {

// Feeds `bytes` to a Beast parser in up to two pieces (split where the first byte says, as a
// socket may hand them over), until it is done, fails or wants more than there is.
template <class Parser>
boost::beast::error_code feed(Parser& parser, std::string_view bytes) {
    const std::size_t cut = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]) % (bytes.size() + 1);
    boost::beast::error_code ec;
    std::size_t used = 0;
    for (std::size_t end : {cut, bytes.size()}) {
        while (used < end && !ec && !parser.is_done()) {
            auto n = parser.put(boost::asio::buffer(bytes.data() + used, end - used), ec);
            if (ec == boost::beast::http::error::need_more) ec = {};
            if (n == 0) break;
            used += n;
        }
    }
    return ec;
}

inline void scenario_file(std::string_view text) {
    try {
        parse_scenario(text, "fuzz.toml");
    } catch (const scenario_error&) {
    }
}

// A request target, through everything a route does with it.
inline void query(std::string_view target) {
    auto parsed = parse_target(target);
    if (!parsed) return;
    parse_int_param(*parsed, "ms", 0, 60'000);
    parse_int_param(*parsed, "n", 0, 20'000'000'000LL);
    parsed->find("on");
}

// What a server sends back: the load client's response reader, then its server-field reader and
// the runner's reader of GET /metrics?format=json.
inline void response(std::string_view bytes) {
    std::string body;
    response_reader parser(body, 64);
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);
    auto ec = feed(parser, bytes);
    if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
    request_record rec;
    if (!ec && parser.is_done() && parser.body_whole()) {
        read_server_fields(body, rec);
        read_telemetry(body);
    }
    read_server_fields(bytes, rec);  // and the raw bytes as if they were a whole body
    read_telemetry(bytes);
}

// The URL of `concurrency-lab load`.
inline void url(std::string_view text) {
    try {
        auto u = parse_url(text);
        if (u.port.empty() || u.target.empty() || u.target.front() != '/') std::abort();
    } catch (const std::invalid_argument&) {
    }
}

// A baseline file (results/baseline.json).
inline void baseline(std::string_view text) {
    try {
        parse_baseline(text, "fuzz.json");
    } catch (const baseline_error&) {
    }
}

// What a client sends the server, up to its routes: Beast's request parser with the lab's
// limits (64 KiB heads, 1 MiB bodies), then the target and the parameters a route reads.
inline void request(std::string_view bytes) {
    namespace http = boost::beast::http;
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(1024 * 1024);
    if (feed(parser, bytes) || !parser.is_done()) return;
    const auto& req = parser.get();
    (void)req.find(http::field::host);
    (void)req[http::field::expect];
    query(std::string_view(req.target().data(), req.target().size()));
}

}  // namespace lab::fuzz
