#pragma once
// A loopback server that answers every request with the same bytes and closes the connection:
// the framings a foreign server may use and the lab's own never does (a body ended by the close,
// a body cut short, a keep-alive connection closed while idle), for testing the load
// generator's reading of them. Requests count every request it read.
#include <atomic>
#include <chrono>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "raw_socket.hpp"

namespace lab::test {

class canned_server {
public:
    // `close_after`: how long a connection stays open after its answer (a keep-alive timeout).
    // `dies_on_second`: the connection is kept, its second request read and never answered: a
    // server that died mid-request.
    explicit canned_server(std::string response, std::chrono::milliseconds close_after = {}, bool dies_on_second = false)
        : response_(std::move(response)), close_after_(close_after), dies_on_second_(dies_on_second),
          fd_(listen_on_loopback(64, port_)), thread_([this] { serve(); }) {}
    ~canned_server() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    canned_server(const canned_server&) = delete;
    canned_server& operator=(const canned_server&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
    int requests() const { return requests_; }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            timeval tv{2, 0};
            ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            if (read_request(c)) {
                ::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
                std::this_thread::sleep_for(close_after_);
                if (dies_on_second_) read_request(c);
            }
            ::close(c);
        }
    }

    // Reads one whole request head (closing on unread bytes would reset the connection) and counts it.
    bool read_request(int c) {
        std::string request;
        char buf[1024];
        for (ssize_t n; request.find("\r\n\r\n") == std::string::npos && (n = ::recv(c, buf, sizeof buf, 0)) > 0;)
            request.append(buf, static_cast<std::size_t>(n));
        if (request.empty()) return false;
        ++requests_;
        return true;
    }

    std::string response_;
    std::chrono::milliseconds close_after_;
    bool dies_on_second_;
    int port_ = 0;  // set by listen_on_loopback, before fd_ in the initializer order
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::thread thread_;  // last: it starts serving once everything above is ready
};

}  // namespace lab::test
