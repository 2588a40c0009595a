#include "report/format_units.hpp"
#include "report/table_writer.hpp"

#include <fmt/format.h>
#include <sstream>

namespace lab {

std::string format_bytes(double bytes) {
    if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
    if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
    return fmt::format("{:.1f} MiB", bytes / (1024 * 1024));
}

std::string format_ms(double ms) {
    if (ms >= 1000) return fmt::format("{:.3f} s", ms / 1000);
    if (ms >= 10) return fmt::format("{:.1f} ms", ms);
    return fmt::format("{:.2f} ms", ms);
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent, const std::string& hang) {
    std::istringstream words(text);
    std::string word, line, out;
    // Columns, not bytes: "—" and "•" are one column each, three bytes.
    while (words >> word) {
        if (!line.empty() && display_width(line) + 1 + display_width(word) > width) {
            out += (out.empty() ? indent : indent + hang) + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += (out.empty() ? indent : indent + hang) + line + "\n";
    return out;
}

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace lab
