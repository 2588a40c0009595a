#include "scenario/url_arm.hpp"

#include "net/query.hpp"

namespace lab {

arm_spec arm_for_url(const load_options& options) {
    arm_spec spec;
    spec.name = "load";
    spec.path = options.url.target;
    auto parsed = parse_target(spec.path);
    spec.route = find_route(parsed ? parsed->path : spec.path);
    auto q = spec.path.find('?');
    spec.query = q == std::string::npos ? "" : spec.path.substr(q + 1);
    const bool sleeps = spec.route != route_id::unknown && route(spec.route).param == route_param::ms &&
                        route(spec.route).model != model_kind::none;
    auto ms = parsed && sleeps ? parse_int_param(*parsed, "ms", 0, max_handler_ms) : int_param{0, "no t"};
    // /health, /cpu, or a server that is not the lab's: its ms= (if any) is not known to be a
    // handler's duration, so there is no t to model, and no verdict.
    spec.model = ms.ok() ? route(spec.route).model : model_kind::none;
    spec.ms = ms.ok() ? static_cast<double>(ms.value) : 0;
    spec.requests = options.requests;
    spec.concurrency = connections_for(options);
    spec.timeout_s = options.timeout_s;
    spec.cold = options.cold;
    spec.connection_close = options.connection_close;
    spec.rate = options.rate;
    return spec;
}

}  // namespace lab
