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

std::string table_writer::str(const std::string& indent) const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], display_width(row[i]));
        }
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
