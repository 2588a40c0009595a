#include "report/report.hpp"
#include "report/series.hpp"

#include <fmt/format.h>

namespace lab {

namespace {

std::string ms_since(std::int64_t t0, std::int64_t t) { return fmt::format("{:.3f}", static_cast<double>(t - t0) / 1e6); }

// Names and routes are ours (no commas or quotes) but a file may say anything: quote always.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_row(const scenario_result& r, const arm_result& a, const char* kind, std::size_t index,
                    const request_record& rec) {
    std::int64_t t0 = a.run.t0_ns;
    const auto& s = rec.server;
    return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},,,,\n", quoted(r.name), quoted(a.spec.name), kind, index,
                       ms_since(t0, rec.start_ns), ms_since(t0, rec.end_ns),
                       fmt::format("{:.3f}", static_cast<double>(rec.end_ns - rec.start_ns) / 1e6), rec.status,
                       rec.bytes,
                       rec.error == error_kind::none ? "" : to_string(rec.error),
                       s ? std::to_string(s->pid) : "", s ? std::to_string(s->thread) : "",
                       s ? ms_since(t0, s->start_ns) : "", s ? ms_since(t0, s->end_ns) : "");
}

}  // namespace

std::string render_csv(const scenario_result& r) {
    std::string out =
        "scenario,arm,kind,index,start_ms,end_ms,latency_ms,status,bytes,error,pid,thread,server_start_ms,"
        "server_end_ms,requests,failures,p50_ms,p99_ms\n";
    for (const auto& a : r.arms) {
        for (std::size_t i = 0; i < a.run.requests.size(); ++i) out += csv_row(r, a, "request", i, a.run.requests[i]);
        if (a.run.probe) out += csv_row(r, a, "probe", 0, *a.run.probe);
        // The per-second series: kind "second", its bounds as start_ms and end_ms, and the
        // four last columns (empty on a request's row, as the request's are on these).
        for (const auto& row : second_rows(a.run))
            out += fmt::format("{},{},second,{},{:.3f},{:.3f},,,,,,,,,{},{},{},{}\n", quoted(r.name), quoted(a.spec.name),
                               row.second, row.second * 1000.0, (row.second + 1) * 1000.0, row.requests, row.failed,
                               row.ok > 0 ? fmt::format("{:.3f}", row.p50_ms) : "",
                               row.ok > 0 ? fmt::format("{:.3f}", row.p99_ms) : "");
    }
    return out;
}

}  // namespace lab
