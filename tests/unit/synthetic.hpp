#pragma once
// Synthetic runs for analysis and report tests: N requests of t ms, either one after
// another (a blocked loop) or all at once (coroutines).
#include "analysis/analysis.hpp"
#include "model/records.hpp"

namespace lab::test {

constexpr std::int64_t ms_ns = 1'000'000;

inline load_run synthetic_run(int n, std::int64_t t_ms, bool serialized, std::int64_t t0 = 1'000 * ms_ns) {
    load_run run;
    run.t0_ns = t0;
    for (int i = 0; i < n; ++i) {
        request_record r;
        r.start_ns = t0;
        std::int64_t handler_start = serialized ? t0 + i * t_ms * ms_ns : t0;
        r.end_ns = handler_start + t_ms * ms_ns;
        r.status = 200;
        r.bytes = 150;
        r.server = server_fields{42, 42, handler_start, r.end_ns};
        run.requests.push_back(r);
    }
    run.t1_ns = run.requests.back().end_ns;
    return run;
}

inline arm_spec synthetic_spec(const char* name, const char* route, model_kind model, int n = 10) {
    arm_spec spec;
    spec.name = name;
    spec.route = find_route(route);
    spec.query = "ms=100";
    if (spec.route == route_id::unknown) spec.path = std::string(route) + "?ms=100";  // not the lab's: a path of its own
    spec.model = model;
    spec.load.requests = n;
    spec.load.concurrency = n;
    spec.ms = 100;
    return spec;
}

// Two arms over the same ten 100 ms requests: "blocking" (serialized) and "async" (concurrent).
// Needs analysis/analysis.hpp for analyze().
inline scenario_result synthetic_result() {
    scenario_result r{"demo", "A demo", "Blocking serializes; awaiting overlaps.", {}, {}, {}};
    for (bool serialized : {true, false}) {
        arm_result a;
        a.spec = serialized ? synthetic_spec("blocking", "/blocking", model_kind::serialized)
                            : synthetic_spec("async", "/async", model_kind::concurrent);
        a.run = synthetic_run(10, 100, serialized);
        a.stats = analyze(a.spec, a.run);
        a.repeat_wall_ms = {a.stats.wall_ms};
        r.arms.push_back(a);
    }
    return r;
}

}  // namespace lab::test
