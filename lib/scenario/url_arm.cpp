#include "scenario/url_arm.hpp"

#include "analysis/analysis.hpp"
#include "server/query.hpp"

namespace lab {

arm_spec arm_for_url(const load_options& options) {
    arm_spec spec;
    spec.name = "load";
    const std::string& target = options.url.target;
    auto parsed = parse_target(target);
    spec.route = parsed ? parsed->path : target;
    auto q = target.find('?');
    spec.query = q == std::string::npos ? "" : target.substr(q + 1);
    spec.model = model_for_route(spec.route);
    auto ms = parsed ? parse_int_param(*parsed, "ms", 0, 60'000) : int_param{0, "no target"};
    spec.ms = ms.ok() ? static_cast<double>(ms.value) : 0;
    // /health, /cpu, or a server that is not the lab's: its ms= (if any) is not known to be a
    // handler's duration, so there is no t to model, and no verdict.
    if (!ms.ok() || spec.model == model_kind::none) {
        spec.model = model_kind::none;
        spec.ms = 0;
    }
    spec.requests = options.requests;
    spec.concurrency = connections_for(options);
    spec.timeout_s = options.timeout_s;
    spec.cold = options.cold;
    spec.connection_close = options.connection_close;
    spec.rate = options.rate;
    return spec;
}

}  // namespace lab
