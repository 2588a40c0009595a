#pragma once
// The lab's one number syntax, the same for command-line flags and query parameters (TOML
// values arrive as numbers already; the scenario reader refuses NaN and infinity there):
//   integers  decimal digits only — "010" is ten, never eight; no sign, no hex, no spaces;
//   reals     digits with an optional fraction and exponent ("0.5", "1e7"); no NaN, no
//             infinity, no hex floats.
// A failure says what was wrong and the range as a person writes it: "1 … 1000000".
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace lab {

inline bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

inline std::optional<long long> parse_decimal_integer(std::string_view s) {
    if (!all_digits(s)) return std::nullopt;
    long long value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

inline std::optional<double> parse_decimal_real(std::string_view s) {
    // digits [. digits] [e [+-] digits], at least one digit before the exponent
    std::size_t i = 0, digits = 0;
    auto take_digits = [&] {
        std::size_t n = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++n;
        return n;
    };
    digits += take_digits();
    if (i < s.size() && s[i] == '.') {
        ++i;
        digits += take_digits();
    }
    if (digits == 0) return std::nullopt;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (take_digits() == 0) return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

// "1 … 1000000", "0 … 60000 ms", "0.001 … 3600 s".
template <class T>
std::string range_text(T min, T max, std::string_view unit = {}) {
    auto show = [](T v) {
        std::string out = std::to_string(v);
        if (out.find('.') != std::string::npos) {
            while (out.back() == '0') out.pop_back();
            if (out.back() == '.') out.pop_back();
        }
        return out;
    };
    std::string out = show(min) + " … " + show(max);
    if (!unit.empty()) out += " " + std::string(unit);
    return out;
}

}  // namespace lab
