#pragma once
// The one row formatter every table goes through: columns sized to their widest cell,
// numbers right-aligned, text left-aligned.
#include <string>
#include <vector>

namespace lab {

class table_writer {
public:
    explicit table_writer(std::vector<std::string> header, std::vector<bool> right_aligned);
    void add_row(std::vector<std::string> cells);
    // With a max_width (0: none), a table wider than that is split into tables of the first
    // column and as many of the others as fit, one under the other; a cell that cannot fit
    // beside the first column is cut short with "…". No line is then longer than max_width.
    std::string str(const std::string& indent = "  ", std::size_t max_width = 0) const;

private:
    std::string one_table(const std::string& indent) const;
    std::vector<std::size_t> widths() const;

    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

// UTF-8 aware width: counts code points, which is right for the symbols we print.
std::size_t display_width(const std::string& s);

// The bytes of `s`'s first `columns` code points (all of it when it has fewer).
std::size_t prefix_bytes(const std::string& s, std::size_t columns);

// `s` cut to at most `width` columns, its last one "…" when it was cut.
std::string fit_width(const std::string& s, std::size_t width);

}  // namespace lab
