#pragma once
// CLI11's numeric flags through the lab's number syntax (lib/model/numbers.hpp). The text is
// checked and put in range before CLI11 converts it, and CLI11 is handed plain decimal, so
// "010" never reaches its base-0 conversion (which reads it as octal) and "nan" never
// reaches strtod.
#include "model/numbers.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <type_traits>

namespace lab {

template <class T>
CLI::Validator decimal(T min, T max, std::string unit = {}) {
    const std::string range = range_text(min, max, unit);
    auto transform = [=](std::string& text) -> std::string {
        if constexpr (std::is_integral_v<T>) {
            auto v = parse_decimal_integer(text);
            if (!v && !all_digits(text)) return fmt::format("'{}' is not a whole decimal number ({})", text, range);
            if (!v || *v < static_cast<long long>(min) || *v > static_cast<long long>(max))
                return fmt::format("{} is not in {}", text, range);
            text = std::to_string(*v);
        } else {
            auto v = parse_decimal_real(text);
            if (!v) return fmt::format("'{}' is not a decimal number ({})", text, range);
            if (*v < min || *v > max) return fmt::format("{} is not in {}", text, range);
            text = fmt::format("{:.17g}", *v);
        }
        return {};
    };
    return CLI::Validator(transform, range);
}

}  // namespace lab
