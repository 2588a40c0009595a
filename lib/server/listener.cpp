#include "server/listener.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace lab {

static std::runtime_error listen_error(const std::string& host, int port, const char* why) {
    return std::runtime_error(fmt::format("cannot listen on {}:{}: {}", host, port, why));
}

listener open_listener(const std::string& host, int port, bool reuse_port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    auto service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        throw listen_error(host, port, ::gai_strerror(rc));
    int last_errno = 0;
    listener out;
    for (auto* ai = found; ai && out.fd < 0; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) { last_errno = errno; continue; }
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        // SOMAXCONN: a burst of 10k connects must queue, not wait for SYN retries.
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
            out.fd = fd;
        } else {
            last_errno = errno;
            ::close(fd);
        }
    }
    ::freeaddrinfo(found);
    if (out.fd < 0) throw listen_error(host, port, std::strerror(last_errno));
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(out.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    out.port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    return out;
}

listener open_unix_listener(const std::string& path) {
    const auto fail = [&](const std::string& why) {
        return std::runtime_error(fmt::format("cannot listen on unix socket {}: {}", path, why));
    };
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw fail(fmt::format("a path of 1 … {} bytes is needed", sizeof addr.sun_path - 1));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw fail("a file that is not a socket is there");
        // A socket nobody accepts on is a dead server's leftover; a live one is in use.
        const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (probe >= 0) ::close(probe);
        if (live) throw fail("another server listens there");
        ::unlink(path.c_str());
    }
    listener out;
    out.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (out.fd < 0) throw fail(std::strerror(errno));
    if (::bind(out.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(out.fd, SOMAXCONN) != 0) {
        const int e = errno;
        ::close(out.fd);
        throw fail(std::strerror(e));
    }
    return out;
}

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace lab
