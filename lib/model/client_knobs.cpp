#include "model/client_knobs.hpp"

#include "model/limits.hpp"
#include "model/numbers.hpp"

#include <stdexcept>

namespace lab {

const std::vector<client_knob>& client_knobs() {
    using k = client_knob::kind;
    static const std::vector<client_knob> table{
        {"requests", "-n,--requests", "requests", "requests in all (an arm: in each repeat)", k::integer, 1,
         static_cast<double>(max_requests), "", "", "10", true, true},
        {"concurrency", "-c,--connections,--concurrency", "concurrency", "concurrent connections, each kept alive",
         k::integer, 1, static_cast<double>(max_connections), "", "", "10", true, true},
        {"duration", "-d,--duration", "", "run for SECONDS instead of a count", k::number, 0.01, 3600, "s", "", "—"},
        {"rate", "--rate", "rate", "open loop: schedule this many requests per second in total", k::number, min_rate,
         max_rate, "per second", "", "— (closed loop)"},
        {"threads", "-t,--threads", "", "client threads (one io_context each)", k::integer, 1, 64, "", "", "1"},
        {"timeout", "--timeout", "timeout_s", "per-request timeout in seconds", k::number, min_timeout_s, max_timeout_s,
         "s", "", "30", true, true},
        {"connection", "--connection", "connection", "keep-alive, or close (a new connection per request)", k::choice, 0,
         0, "", "keep-alive or close", "keep-alive"},
        {"cold", "--cold", "cold", "include connecting (and the TLS handshake) in the timed window", k::flag, 0, 0, "",
         "", "off"},
        {"repeat", "--repeat", "repeat", "runs per arm; the median is reported", k::integer, 1,
         static_cast<double>(max_repeats), "", "", "1", false, true},
        {"method", "-m,--method", "method", "the request's method", k::text, 0, 0, "", "an HTTP token",
         "GET (POST with a body)"},
        {"headers", "-H,--header", "headers", "a header line 'Name: value' (repeatable; replaces Host, User-Agent)",
         k::text, 0, 0, "", "no CR, LF or NUL; not Content-Length, Transfer-Encoding, Connection", "—"},
        {"body", "-b,--body", "body", "the request body, sent with Content-Length", k::text, 0, 0, "",
         "up to 64 MiB", "—"},
        {"body_file", "--body-file", "body_file", "the body's bytes from FILE (- for stdin; a file's key: relative to it)",
         k::text, 0, 0, "", "a readable file", "—"},
        {"unix_socket", "--unix-socket", "unix_socket", "connect to this unix socket (the URL's host is the Host header)",
         k::text, 0, 0, "", "a path under 108 bytes", "—", true, false, true},
        {"insecure", "-k,--insecure", "insecure", "https: do not verify the server's certificate", k::flag, 0, 0, "",
         "", "off", true, false, true},
        {"cacert", "--cacert", "cacert", "https: trust the CAs in this PEM file instead of the system's", k::text, 0, 0,
         "", "a PEM file", "the system's store", true, false, true},
    };
    return table;
}

const client_knob& client_knob_named(std::string_view name) {
    for (const auto& knob : client_knobs())
        if (knob.name == name) return knob;
    throw std::out_of_range("no client knob " + std::string(name));
}

std::string knob_range(const client_knob& knob) {
    switch (knob.type) {
        case client_knob::kind::integer:
            return range_text(static_cast<long long>(knob.min), static_cast<long long>(knob.max), knob.unit);
        case client_knob::kind::number: return range_text(knob.min, knob.max, knob.unit);
        case client_knob::kind::flag: return "on or off";
        default: return knob.values;
    }
}

std::string client_knob_markdown() {
    std::string out = "| flags | flag of | scenario file | range | default | what it does |\n"
                      "|---|---|---|---|---|---|\n";
    for (const auto& knob : client_knobs()) {
        std::string flags;
        for (std::size_t at = 0; at < knob.flags.size();) {
            const auto comma = knob.flags.find(',', at);
            const auto one = knob.flags.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
            flags += (flags.empty() ? "`" : ", `") + one + "`";
            at = comma == std::string::npos ? knob.flags.size() : comma + 1;
        }
        const std::string key = knob.key.empty() ? "—" : "`" + knob.key + "`" + (knob.in_target ? " (target)" : "");
        const std::string commands = knob.load && knob.scenario ? "load, scenario" : knob.load ? "load" : "scenario";
        out += "| " + flags + " | " + commands + " | " + key + " | " + knob_range(knob) + " | " + knob.default_text +
               " | " + knob.help + " |\n";
    }
    return out;
}

}  // namespace lab
