#include "load/telemetry_reader.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace lab {

namespace json = boost::json;

namespace {

// The field as a number, or a throw that read_telemetry turns into nullopt.
std::int64_t integer(const json::value& v) { return v.to_number<std::int64_t>(); }
double number(const json::value& v) { return v.to_number<double>(); }

loop_lag read_lag(std::int64_t pid, const json::object& o) {
    loop_lag lag;
    lag.pid = pid;
    lag.interval_ms = number(o.at("interval_ms"));
    lag.ticks = integer(o.at("ticks"));
    lag.max_ms = number(o.at("max_ms"));
    lag.p99_ms = number(o.at("p99_ms"));
    lag.stalls = integer(o.at("stalls"));
    lag.stalled_ms = number(o.at("stalled_ms"));
    lag.late_dropped = integer(o.at("late_dropped"));
    for (const auto& e : o.at("late").as_array()) {
        const auto& pair = e.as_array();
        lag.late.emplace_back(integer(pair.at(0)), integer(pair.at(1)));
    }
    return lag;
}

void read_holds(std::int64_t pid, const json::object& o, server_telemetry& out) {
    for (const auto& e : o.at("holds").as_array()) {
        const auto& h = e.as_array();
        out.gil.push_back({pid, integer(h.at(0)), integer(h.at(1)), integer(h.at(2)), integer(h.at(3))});
    }
    out.gil_dropped += integer(o.at("dropped"));
}

}  // namespace

std::optional<server_telemetry> read_telemetry(std::string_view body) {
    boost::system::error_code ec;
    const json::value doc = json::parse(json::string_view(body.data(), body.size()), ec);
    if (ec || !doc.is_object()) return std::nullopt;
    try {
        server_telemetry out;
        for (const auto& p : doc.as_object().at("processes").as_array()) {
            const auto& process = p.as_object();
            const auto pid = integer(process.at("pid"));
            out.loops.push_back(read_lag(pid, process.at("loop_lag").as_object()));
            read_holds(pid, process.at("gil").as_object(), out);
        }
        std::sort(out.gil.begin(), out.gil.end(), [](const gil_hold& a, const gil_hold& b) { return a.got_ns < b.got_ns; });
        return out;
    } catch (const std::exception&) {  // a missing key, a wrong type, a number out of range
        return std::nullopt;
    }
}

}  // namespace lab
