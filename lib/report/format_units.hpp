#pragma once
#include <string>

namespace lab {

// "0.84 ms", "101.2 ms", "1.003 s": enough digits to compare, few enough to read.
std::string format_ms(double ms);

// Text from scenario files goes into an HTML page: what HTML would read as markup, escaped.
std::string html_escape(const std::string& text);
// A size as people read one: "16 B", "1.5 KiB", "2.0 MiB".
std::string format_bytes(double bytes);

// Wraps text at `width` columns; the first line starts with `indent`, the rest with
// `indent + hang` (a hanging indent for bullets).
std::string wrap(const std::string& text, std::size_t width, const std::string& indent,
                 const std::string& hang = "");

}  // namespace lab
