#include "report/format_units.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <sstream>

namespace lab {

std::string format_ms(double ms) {
    if (ms >= 1000) return fmt::format("{:.3f} s", ms / 1000);
    if (ms >= 10) return fmt::format("{:.1f} ms", ms);
    return fmt::format("{:.2f} ms", ms);
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent, const std::string& hang) {
    std::istringstream words(text);
    std::string word, line, out;
    // Columns, not bytes: "—" and "•" are one column each, three bytes.
    const auto columns = [](const std::string& s) {
        return static_cast<std::size_t>(
            std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    };
    while (words >> word) {
        if (!line.empty() && columns(line) + 1 + columns(word) > width) {
            out += (out.empty() ? indent : indent + hang) + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += (out.empty() ? indent : indent + hang) + line + "\n";
    return out;
}

}  // namespace lab
