#include "load/telemetry_reader.hpp"

#include <algorithm>
#include <string>
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

std::string text(const json::value& v) { return std::string(v.as_string()); }

// A probe's "blocked": its places merged with those other processes named (the same file, line
// and function is one place), its stalls re-pointed at the merged list.
void read_blocked(std::int64_t pid, const json::object& o, server_telemetry& out) {
    out.blocked_threshold_ms = std::max(out.blocked_threshold_ms, number(o.at("threshold_ms")));
    std::vector<int> merged;
    for (const auto& e : o.at("locations").as_array()) {
        const auto& l = e.as_object();
        blocked_location where{text(l.at("file")), static_cast<int>(integer(l.at("line"))), text(l.at("function")),
                               text(l.at("code")), text(l.at("call")), l.at("in_app").as_bool()};
        auto same = std::find_if(out.blocked_at.begin(), out.blocked_at.end(), [&](const blocked_location& b) {
            return b.file == where.file && b.line == where.line && b.function == where.function;
        });
        if (same == out.blocked_at.end()) same = out.blocked_at.insert(out.blocked_at.end(), std::move(where));
        merged.push_back(static_cast<int>(same - out.blocked_at.begin()));
    }
    for (const auto& e : o.at("stalls").as_array()) {
        const auto& s = e.as_array();
        const auto at = integer(s.at(2));
        const int location = at >= 0 && static_cast<std::size_t>(at) < merged.size() ? merged[static_cast<std::size_t>(at)] : -1;
        out.blocked.push_back({pid, integer(s.at(0)), integer(s.at(1)), location});
    }
}

// A process's database pool, added to the others'; a process with no database says 0 connections.
void read_db_pool(const json::object& o, server_telemetry& out) {
    const auto connections = integer(o.at("connections"));
    if (connections == 0) return;
    auto& use = out.db_pool ? *out.db_pool : out.db_pool.emplace();
    use.connections += connections;
    use.takes += integer(o.at("takes"));
    use.waits += integer(o.at("waits"));
    use.waited_ms += number(o.at("waited_ms"));
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
            // The lab's server has a GIL and no probe; a probed app the other way round.
            if (const auto* gil = process.if_contains("gil")) read_holds(pid, gil->as_object(), out);
            if (const auto* blocked = process.if_contains("blocked")) read_blocked(pid, blocked->as_object(), out);
            if (const auto* db = process.if_contains("db_pool")) read_db_pool(db->as_object(), out);
        }
        std::sort(out.gil.begin(), out.gil.end(), [](const gil_hold& a, const gil_hold& b) { return a.got_ns < b.got_ns; });
        return out;
    } catch (const std::exception&) {  // a missing key, a wrong type, a number out of range
        return std::nullopt;
    }
}

}  // namespace lab
