#pragma once
// Listening sockets made with plain POSIX calls, before any io_context exists, so a
// prefork parent can bind once and hand the descriptor to forked workers.
#include <string>

namespace lab {

struct listener {
    int fd = -1;
    int port = 0;  // the bound port (the kernel's pick when asked for 0)
};

// Binds and listens on host:port; throws std::runtime_error naming the address and
// the reason ("cannot listen on 127.0.0.1:8080: Address already in use").
listener open_listener(const std::string& host, int port, bool reuse_port = false);

// Binds and listens on a unix socket file (mode 0660 by the umask's leave). A stale socket
// there (nobody accepts on it) is replaced; any other file is refused, never removed.
listener open_unix_listener(const std::string& path);

bool is_loopback_host(const std::string& host);

}  // namespace lab
