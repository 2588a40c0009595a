#pragma once
// Request-target parsing for the lab's routes. Pure: no sockets, so it is fuzzed and
// unit-tested on its own. Percent-decoding and splitting are Boost.URL's.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct parsed_target {
    std::string path;
    std::vector<std::pair<std::string, std::string>> params;  // decoded, in order

    const std::string* find(std::string_view key) const;
};

// nullopt when the target is neither origin-form ("/path?query") nor absolute-form
// ("http://host/path?query").
std::optional<parsed_target> parse_target(std::string_view target);

// An integer parameter in [min, max]. On failure `error` says why, in words
// fit for a 400 response ("ms must be an integer from 0 to 60000").
struct int_param {
    long long value = 0;
    std::string error;
    bool ok() const { return error.empty(); }
};
int_param parse_int_param(const parsed_target& t, std::string_view key, long long min, long long max);

}  // namespace lab
