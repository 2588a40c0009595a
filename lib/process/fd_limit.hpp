#pragma once
// Thousands of connections need thousands of descriptors: raise the soft limit as far as
// the hard limit allows, and say plainly when even that is not enough.
#include <stdexcept>

namespace lab {

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the limit now in force.
long raise_fd_limit();

struct fd_limit_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Raises the limit and throws fd_limit_error when it stays below `needed`.
void require_fds(long needed, const char* what);

}  // namespace lab
