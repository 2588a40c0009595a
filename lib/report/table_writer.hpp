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
    std::string str(const std::string& indent = "  ") const;

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

// UTF-8 aware width: counts code points, which is right for the symbols we print.
std::size_t display_width(const std::string& s);

}  // namespace lab
