#include "net/query.hpp"

#include "model/numbers.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <fmt/format.h>

namespace lab {

const std::string* parsed_target::find(std::string_view key) const {
    for (const auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

namespace {

parsed_target from(const boost::urls::url_view& url) {
    parsed_target out;
    out.path = std::string(url.path());
    if (out.path.empty()) out.path = "/";
    for (auto param : url.params()) out.params.emplace_back(param.key, param.value);
    return out;
}

}  // namespace

std::optional<parsed_target> parse_target(std::string_view target) {
    if (auto url = boost::urls::parse_origin_form(target)) return from(*url);
    // The absolute form (GET http://host/path), which a server must accept (RFC 9112 §3.2.2).
    auto absolute = boost::urls::parse_absolute_uri(target);
    if (!absolute || (absolute->scheme() != "http" && absolute->scheme() != "https")) return std::nullopt;
    return from(*absolute);
}

int_param parse_int_param(const parsed_target& t, std::string_view key, long long min, long long max) {
    int_param out;
    auto range_error = [&] { return fmt::format("{} must be an integer from {} to {}", key, min, max); };
    const std::string* raw = t.find(key);
    if (!raw) {
        out.error = fmt::format("missing {}: {}", key, range_error());
        return out;
    }
    // The lab's one number syntax (model/numbers.hpp): decimal digits, "010" is ten.
    auto value = parse_decimal_integer(*raw);
    if (value) out.value = *value;
    if (!value || *value < min || *value > max) out.error = fmt::format("bad {}='{}': {}", key, *raw, range_error());
    return out;
}

}  // namespace lab
