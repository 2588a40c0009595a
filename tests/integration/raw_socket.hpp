#pragma once
// Raw loopback sockets for tests that must not depend on a well-behaved HTTP client.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace lab::test {

// A connected socket with a 5 s receive timeout, or -1. A receive_buffer > 0 is set before
// connecting, so that the window the peer sees is that small from the start.
inline int connect_to(int port, int receive_buffer = 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// A socket listening on 127.0.0.1 at a port the kernel picks (returned in `port`).
inline int listen_on_loopback(int backlog, int& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, backlog);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

// Everything the peer sends until it closes (or the receive timeout passes).
inline std::string read_all(int fd) {
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
    return reply;
}

// Sends raw bytes on a fresh connection and returns whatever comes back until close.
inline std::string exchange(int port, const std::string& bytes) {
    int fd = connect_to(port);
    REQUIRE(fd >= 0);
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    auto reply = read_all(fd);
    ::close(fd);
    return reply;
}

}  // namespace lab::test
