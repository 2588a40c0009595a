#include "report/table_writer.hpp"

#include <algorithm>

namespace lab {

std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

table_writer::table_writer(std::vector<std::string> header, std::vector<bool> right_aligned)
    : rows_{std::move(header)}, right_(std::move(right_aligned)) {}

void table_writer::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

std::size_t prefix_bytes(const std::string& s, std::size_t columns) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == columns) return i;
    return s.size();
}

std::string fit_width(const std::string& s, std::size_t width) {
    if (display_width(s) <= width) return s;
    if (width == 0) return "";
    return s.substr(0, prefix_bytes(s, width - 1)) + "…";  // the last column is the ellipsis
}

std::vector<std::size_t> table_writer::widths() const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], display_width(row[i]));
        }
    return width;
}

std::string table_writer::str(const std::string& indent, std::size_t max_width) const {
    const auto width = widths();
    std::size_t total = indent.size();
    for (auto w : width) total += w + 2;
    if (max_width == 0 || width.empty() || total - 2 <= max_width) return one_table(indent);
    // The first column names the row: it heads every part, cut to at most half the width.
    const std::size_t room = max_width > indent.size() ? max_width - indent.size() : 1;
    const std::size_t label = std::min(width[0], std::max<std::size_t>(1, room / 2));
    // Each column as wide as it is, or as fits beside the first; the first as `label`.
    std::vector<std::size_t> fitted{label};
    for (std::size_t c = 1; c < width.size(); ++c) fitted.push_back(std::min(width[c], room > label + 2 ? room - label - 2 : 1));
    std::vector<std::vector<std::size_t>> parts{{0}};
    std::size_t used = label;
    for (std::size_t c = 1; c < width.size(); ++c) {
        const std::size_t w = fitted[c];
        if (parts.back().size() > 1 && used + 2 + w > room) {
            parts.push_back({0});
            used = label;
        }
        parts.back().push_back(c);
        used += 2 + w;
    }
    std::string out;
    for (const auto& columns : parts) {
        table_writer part({}, {});
        part.rows_.clear();
        for (const auto& row : rows_) {
            std::vector<std::string> cells;
            for (std::size_t c : columns) cells.push_back(c < row.size() ? fit_width(row[c], fitted[c]) : "");
            part.rows_.push_back(std::move(cells));
        }
        for (std::size_t c : columns) part.right_.push_back(c < right_.size() && right_[c]);
        out += (out.empty() ? "" : "\n") + part.one_table(indent);
    }
    return out;
}

std::string table_writer::one_table(const std::string& indent) const {
    const auto width = widths();
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line = indent;
        for (std::size_t i = 0; i < row.size(); ++i) {
            std::string pad(width[i] - display_width(row[i]), ' ');
            bool right = i < right_.size() && right_[i];
            line += right ? pad + row[i] : row[i] + pad;
            if (i + 1 < row.size()) line += "  ";
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    };
    emit(rows_.front());
    std::size_t total = 0;
    for (auto w : width) total += w;
    total += 2 * (width.empty() ? 0 : width.size() - 1);
    std::string rule;
    for (std::size_t i = 0; i < total; ++i) rule += "─";
    out += indent + rule + "\n";
    for (std::size_t r = 1; r < rows_.size(); ++r) emit(rows_[r]);
    return out;
}

}  // namespace lab
