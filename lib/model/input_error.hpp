#pragma once
// Bad input from whoever runs the lab — a flag, a file, a URL, a path to write: one line on
// stderr and exit 2, never a crash. Each layer's own error derives from it, so the command
// line maps every failure to its exit code in one place.
#include <stdexcept>

namespace lab {

struct input_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace lab
