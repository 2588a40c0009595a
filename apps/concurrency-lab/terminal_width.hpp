#pragma once
// How wide the table report may be: `--width N` (0: full tables); else the terminal's columns
// when the report goes to one; else $COLUMNS; else 0 — piped output keeps today's full tables.
#include "model/numbers.hpp"

#include <cstdlib>
#include <optional>
#include <sys/ioctl.h>
#include <unistd.h>

namespace lab {

inline constexpr int narrowest_width = 40;

inline std::size_t report_width(std::optional<int> flag, bool to_stdout) {
    if (flag) return static_cast<std::size_t>(*flag);
    winsize size{};
    if (to_stdout && ::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return std::max<std::size_t>(size.ws_col, narrowest_width);
    // A malformed $COLUMNS is ignored, as a shell's own would be: it is the environment's, not the user's flag.
    if (!to_stdout) return 0;  // a file gets whole tables unless --width says otherwise
    if (const char* columns = std::getenv("COLUMNS"))
        if (auto v = parse_decimal_integer(columns); v && *v >= narrowest_width && *v <= 1000)
            return static_cast<std::size_t>(*v);
    return 0;
}

}  // namespace lab
