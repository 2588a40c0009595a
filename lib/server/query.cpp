#include "server/query.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <fmt/format.h>

namespace lab {

const std::string* parsed_target::find(std::string_view key) const {
    for (const auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

std::optional<parsed_target> parse_target(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return std::nullopt;
    parsed_target out;
    out.path = std::string(url->path());
    for (auto param : url->params()) out.params.emplace_back(param.key, param.value);
    return out;
}

int_param parse_int_param(const parsed_target& t, std::string_view key, long long min, long long max) {
    int_param out;
    auto range_error = [&] { return fmt::format("{} must be an integer from {} to {}", key, min, max); };
    const std::string* raw = t.find(key);
    if (!raw) {
        out.error = fmt::format("missing {}: {}", key, range_error());
        return out;
    }
    const char* first = raw->data();
    const char* last = first + raw->size();
    auto [end, ec] = std::from_chars(first, last, out.value);
    if (ec != std::errc{} || end != last || out.value < min || out.value > max)
        out.error = fmt::format("bad {}='{}': {}", key, *raw, range_error());
    return out;
}

}  // namespace lab
