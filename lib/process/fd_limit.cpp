#include "process/fd_limit.hpp"

#include <string>
#include <sys/resource.h>

namespace lab {

long raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<long>(limit.rlim_cur);
}

void require_fds(long needed, const char* what) {
    long limit = raise_fd_limit();
    if (limit >= needed) return;
    throw fd_limit_error("this machine allows " + std::to_string(limit) + " open files per process (hard limit), " +
                         what + " needs about " + std::to_string(needed) +
                         ": lower --concurrency, or raise the hard limit (ulimit -Hn) as root");
}

}  // namespace lab
