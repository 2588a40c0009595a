#include "load/request_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace lab {

namespace {

// RFC 9110 §5.6.2: tchar.
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
    });
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// What a request shows of the user's text in an error: printable, and short.
std::string shown(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 60)) out += c < 0x20 || c == 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, static_cast<char>(c));
    return s.size() > 60 ? out + "…" : out;
}

}  // namespace

void check_method(std::string_view method) {
    if (!is_token(method))
        throw std::invalid_argument(fmt::format("method '{}' is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)", shown(method)));
    if (iequal(method, "CONNECT")) throw std::invalid_argument("method CONNECT opens a tunnel; the lab times requests");
}

void check_header(std::string_view name, std::string_view value) {
    if (!is_token(name))
        throw std::invalid_argument(fmt::format("header name '{}' is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)", shown(name)));
    for (const char* framed : {"Content-Length", "Transfer-Encoding", "Connection"})
        if (iequal(name, framed))
            throw std::invalid_argument(fmt::format("header {} is the lab's own (it frames each request; use {})", framed,
                                                    iequal(name, "Connection") ? "--connection" : "--body or --body-file"));
    // Field values are visible text, spaces and tabs (obs-text, bytes ≥ 0x80, allowed): never CR,
    // LF or NUL, which would end the line and start another header.
    for (unsigned char c : value)
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            throw std::invalid_argument(fmt::format("header {}: its value holds a control character (\\x{:02x})", shown(name), c));
}

std::pair<std::string, std::string> parse_header(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
        throw std::invalid_argument(fmt::format("header '{}' has no colon (expected 'Name: value')", shown(line)));
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    check_header(name, value);
    return {std::string(name), std::string(value)};
}

std::string read_body_file(const std::filesystem::path& path) {
    const bool stdin_ = path == "-";
    const int fd = stdin_ ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::invalid_argument(fmt::format("cannot read body file {}: {}", path.string(), std::strerror(errno)));
    std::string body;
    std::array<char, 65536> chunk;
    for (;;) {
        const auto n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int e = errno;
            if (!stdin_) ::close(fd);
            throw std::invalid_argument(fmt::format("cannot read body file {}: {}", path.string(), std::strerror(e)));
        }
        if (n == 0) break;
        body.append(chunk.data(), static_cast<std::size_t>(n));
        if (body.size() > max_body_bytes) {
            if (!stdin_) ::close(fd);
            throw std::invalid_argument(fmt::format("body file {} is larger than {} MiB", path.string(), max_body_bytes >> 20));
        }
    }
    if (!stdin_) ::close(fd);
    return body;
}

}  // namespace lab
