// The Chrome Trace Event format (the JSON that ui.perfetto.dev and chrome://tracing open): the
// client's requests, the server's handlers, its loop's stalls and the GIL's holds on one clock.
//
// Requests overlap, so each is an async slice (b/e, paired by id) on the client's process. A
// flow arrow must start and end on a slice of a thread's own track, so each send also leaves a
// zero-length "send" slice on the client's sender thread, and the arrow runs from there to the
// handler: a complete slice on its thread where that thread's handlers never overlap (pool
// threads, a blocked loop), or an async slice plus a zero-length "handler starts" where they do
// (coroutines on one loop thread).
#include "analysis/analysis.hpp"
#include "report/report.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace lab {

namespace {


// Linux pids and tids stay below 2^22; the lab's own tracks take numbers above any of them.
constexpr std::int64_t client_pid_base = 1'000'000'000;
constexpr std::int64_t gil_tid_base = 2'000'000'000;
constexpr std::int64_t lag_tid_base = 2'100'000'000;
constexpr std::int64_t sender_tid = 1;
constexpr std::int64_t state_tid_base = 10;  // a request's states: one track each, under the client

using interval = std::pair<std::int64_t, std::int64_t>;
using thread_key = std::pair<std::int64_t, std::int64_t>;  // (pid, tid)

// A JSON string literal: names come from scenario files and URLs.
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// Writes the events as text as they come: a document of a million requests is its own size in
// memory (about 600 bytes a request), not a tree of JSON values ten times that.
class trace_builder {
public:
    explicit trace_builder(std::int64_t t0_ns) : t0_(t0_ns) {}

    std::uint64_t new_id() { return next_id_++; }

    void name_process(std::int64_t pid, const std::string& name) {
        if (processes_.insert(pid).second)
            event(fmt::format(R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":{}}}}})", pid, quoted(name)));
    }
    void name_thread(std::int64_t pid, std::int64_t tid, const std::string& name) {
        if (threads_.insert({pid, tid}).second)
            event(fmt::format(R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":{}}}}})", pid, tid,
                              quoted(name)));
    }
    // `name` and `args` are JSON already (a quoted string, an object).
    void complete(const std::string& name, const char* cat, thread_key where, interval span, const std::string& args = "{}") {
        event(fmt::format(R"({{"name":{},"cat":"{}","ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"args":{}}})", name, cat,
                          where.first, where.second, us(span.first),
                          static_cast<double>(std::max<std::int64_t>(0, span.second - span.first)) / 1000.0, args));
    }
    void async(const std::string& name, const char* cat, thread_key where, std::uint64_t id, interval span,
               const std::string& args = "{}") {
        event(fmt::format(R"({{"name":{},"cat":"{}","ph":"b","id":"{:#x}","pid":{},"tid":{},"ts":{},"args":{}}})", name,
                          cat, id, where.first, where.second, us(span.first), args));
        event(fmt::format(R"({{"name":{},"cat":"{}","ph":"e","id":"{:#x}","pid":{},"tid":{},"ts":{}}})", name, cat, id,
                          where.first, where.second, us(std::max(span.first, span.second))));
    }
    // From the slice open on `from` at its time to the one on `to` at its time.
    void flow(std::uint64_t id, thread_key from, std::int64_t from_ns, thread_key to, std::int64_t to_ns) {
        event(fmt::format(R"({{"name":"served by","cat":"flow","ph":"s","id":"{:#x}","pid":{},"tid":{},"ts":{}}})", id,
                          from.first, from.second, us(from_ns)));
        event(fmt::format(R"({{"name":"served by","cat":"flow","ph":"f","bp":"e","id":"{:#x}","pid":{},"tid":{},"ts":{}}})",
                          id, to.first, to.second, us(std::max(from_ns, to_ns))));
    }
    std::string take() { return std::move(events_); }

private:
    void event(const std::string& e) {
        if (!events_.empty()) events_ += ",\n";
        events_ += e;
    }
    double us(std::int64_t ns) const { return static_cast<double>(ns - t0_) / 1000.0; }
    std::int64_t t0_;
    std::uint64_t next_id_ = 1;
    std::string events_;
    std::set<std::int64_t> processes_;
    std::set<thread_key> threads_;
};


std::string request_name(const arm_result& arm) {
    return quoted(fmt::format("{} {}", to_string(request_method(arm.spec)), request_target(arm.spec)));
}

std::string request_args(const request_record& r) {
    return fmt::format(R"({{"status":{},"latency_ms":{}{}}})", r.status, static_cast<double>(r.end_ns - r.start_ns) / 1e6,
                       r.error == error_kind::none ? "" : fmt::format(R"(,"error":"{}")", to_string(r.error)));
}

// The server's side of the arm: its processes and threads named, its loops' stalls and the GIL's
// holds on tracks of their own.
void add_server_tracks(trace_builder& trace, const arm_result& arm) {
    if (!arm.telemetry) return;
    for (const auto& loop : arm.telemetry->loops) {
        if (loop.late.empty()) continue;
        trace.name_process(loop.pid, fmt::format("server pid {} · {}", loop.pid, arm.spec.name));
        trace.name_thread(loop.pid, lag_tid_base + loop.pid, "loop lag (ticks ≥ 1 ms late)");
        for (auto [due, ran] : loop.late)
            trace.complete(R"("loop frozen")", "lag", {loop.pid, lag_tid_base + loop.pid}, {due, ran},
                           fmt::format(R"({{"late_ms":{}}})", static_cast<double>(ran - due) / 1e6));
    }
    for (const auto& h : arm.telemetry->gil) {
        trace.name_process(h.pid, fmt::format("server pid {} · {}", h.pid, arm.spec.name));
        trace.name_thread(h.pid, gil_tid_base + h.pid, "GIL (who holds it)");
        trace.complete(fmt::format(R"("t{}")", h.thread), "gil", {h.pid, gil_tid_base + h.pid}, {h.got_ns, h.end_ns},
                       fmt::format(R"({{"thread":{},"waited_ms":{}}})", h.thread, static_cast<double>(h.got_ns - h.want_ns) / 1e6));
    }
}

// Each request's way through the server (DESIGN.md §11), a track of its own under the client:
// a slice per state, from the send (in the kernel) to the answer read back.
void add_state_tracks(trace_builder& trace, const arm_result& arm, std::int64_t client, std::size_t shown) {
    const auto& run = arm.run;
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& r = run.requests[i];
        if (r.states == 0 || r.states > run.states.size()) continue;
        const auto& st = run.states[r.states - 1];
        const std::int64_t track = state_tid_base + static_cast<std::int64_t>(i);
        trace.name_thread(client, track, fmt::format("request {} states", i + 1));
        auto slice = [&](request_state state, std::int64_t from, std::int64_t to) {
            if (to > from) trace.complete(quoted(to_string(state)), "state", {client, track}, {from, to});
        };
        slice(request_state::kernel, r.start_ns, st.count ? st.marks[0].at_ns : r.end_ns);
        for (std::size_t k = 0; k < st.count; ++k)
            slice(st.marks[k].state, st.marks[k].at_ns, k + 1 < st.count ? st.marks[k + 1].at_ns : r.end_ns);
    }
}

void add_arm(trace_builder& trace, const arm_result& arm, std::size_t index, std::size_t limit, std::size_t& left_out) {
    const std::int64_t client = client_pid_base + static_cast<std::int64_t>(index);
    trace.name_process(client, "client · " + arm.spec.name);
    trace.name_thread(client, sender_tid, "sender");
    const auto& requests = arm.run.requests;
    const std::size_t shown = std::min(requests.size(), limit);
    left_out += requests.size() - shown;

    std::map<thread_key, std::vector<interval>> handlers;
    for (std::size_t i = 0; i < shown; ++i)
        if (const auto& s = requests[i].server) handlers[{s->pid, s->thread}].emplace_back(s->start_ns, s->end_ns);
    std::set<thread_key> overlapping;
    for (const auto& [key, spans] : handlers) {
        trace.name_process(key.first, fmt::format("server pid {} · {}", key.first, arm.spec.name));
        trace.name_thread(key.first, key.second, key.first == key.second ? "loop" : fmt::format("thread {}", key.second));
        if (max_at_once(spans) > 1) overlapping.insert(key);
    }

    const auto name = request_name(arm);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& r = requests[i];
        const auto id = trace.new_id();
        trace.async(name, "request", {client, sender_tid}, id, {r.start_ns, r.end_ns}, request_args(r));
        // One nanosecond long: sends are microseconds apart on one thread, and slices there must
        // not overlap; the arrow leaves from it.
        trace.complete(R"("send")", "request", {client, sender_tid}, {r.start_ns, r.start_ns + 1});
        if (!r.server) continue;
        const thread_key where{r.server->pid, r.server->thread};
        const interval span{r.server->start_ns, r.server->end_ns};
        if (overlapping.contains(where)) {
            trace.async(name, "handler", where, trace.new_id(), span);
            trace.complete(R"("handler starts")", "handler", where, {span.first, span.first + 1});
        } else {
            trace.complete(name, "handler", where, span);
        }
        trace.flow(id, {client, sender_tid}, r.start_ns, where, span.first);
    }
    add_state_tracks(trace, arm, client, shown);
    add_server_tracks(trace, arm);
}

std::int64_t earliest_start(const std::vector<scenario_result>& results) {
    std::int64_t t0 = 0;
    for (const auto& r : results)
        for (const auto& a : r.arms)
            if (a.run.t0_ns > 0 && (t0 == 0 || a.run.t0_ns < t0)) t0 = a.run.t0_ns;
    return t0;
}

}  // namespace

std::string render_trace(const std::vector<scenario_result>& results, std::size_t requests_per_arm) {
    trace_builder trace(earliest_start(results));
    std::size_t index = 0, left_out = 0;
    nlohmann::json names = nlohmann::json::array();
    bool interrupted = false;
    for (const auto& r : results) {
        names.push_back(r.name);
        interrupted = interrupted || r.interrupted;
        for (const auto& a : r.arms) add_arm(trace, a, index++, requests_per_arm, left_out);
    }
    const nlohmann::ordered_json other{{"generator", "concurrency-lab"},
                                       {"scenarios", std::move(names)},
                                       {"clock", "CLOCK_MONOTONIC, µs from the first arm's start"},
                                       {"requests_left_out", left_out},
                                       {"interrupted", interrupted}};
    return "{\"traceEvents\":[\n" + trace.take() + "\n],\"displayTimeUnit\":\"ms\",\"otherData\":" + other.dump() + "}\n";
}

}  // namespace lab
