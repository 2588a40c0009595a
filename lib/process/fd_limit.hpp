#pragma once
// Thousands of connections need thousands of descriptors: raise the soft limit as far as
// the hard limit allows, and say plainly when even that is not enough.
#include "model/input_error.hpp"
#include <stdexcept>

namespace lab {

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the limit now in force.
long raise_fd_limit();

struct fd_limit_error : input_error {
    using input_error::input_error;
};

// Raises the limit and throws fd_limit_error when it stays below `needed`.
void require_fds(long needed, const char* what);

}  // namespace lab
