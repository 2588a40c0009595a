// What a user may put into a request (load/request_parts.hpp): HTTP's own syntax, nothing that
// ends a line early, nothing that frames the request behind the client's back.
#include "load/request_parts.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>

TEST_SUITE_BEGIN("unit");

TEST_CASE("a header line is split at its first colon and trimmed — a value may hold colons and tabs") {
    CHECK(lab::parse_header("Authorization: Bearer a:b") == std::pair<std::string, std::string>{"Authorization", "Bearer a:b"});
    CHECK(lab::parse_header("X-A:1") == std::pair<std::string, std::string>{"X-A", "1"});
    CHECK(lab::parse_header("X-Tab: \t a\tb \t") == std::pair<std::string, std::string>{"X-Tab", "a\tb"});
    CHECK(lab::parse_header("X-Empty:") == std::pair<std::string, std::string>{"X-Empty", ""});
    CHECK(lab::parse_header("X-Utf8: caf\xc3\xa9").second == "caf\xc3\xa9");  // obs-text passes
}

TEST_CASE("a header that would end its line — or is no token — or frames the request is refused") {
    for (const char* bad : {"X: a\r\nY: b", "X: a\nY: b", "X: a\rb", "X: a\x7f",
                            "X: \x1b[1m", "No colon", ": no name", "Bad Name: x", "X(y): 1", "Content-Length: 1",
                            "content-length: 1", "Transfer-Encoding: chunked", "CONNECTION: close"}) {
        INFO(bad);
        CHECK_THROWS_AS(lab::parse_header(bad), std::invalid_argument);
    }
    // NUL inside a std::string, which a C string would have cut short.
    CHECK_THROWS_AS(lab::parse_header(std::string("X: a\0b", 6)), std::invalid_argument);
}

TEST_CASE("a method is an HTTP token — any of them but CONNECT") {
    for (const char* good : {"GET", "POST", "PURGE", "M-SEARCH", "patch"}) CHECK_NOTHROW(lab::check_method(good));
    for (const char* bad : {"", "GE T", "GET\r\n", "GET/", "CONNECT", "connect", "G\xc3\xa9T"}) {
        INFO(bad);
        CHECK_THROWS_AS(lab::check_method(bad), std::invalid_argument);
    }
}

TEST_CASE("a body file is read byte for byte — a missing or unreadable or oversized one is refused") {
    const auto path = std::filesystem::temp_directory_path() / "lab-body-test.bin";
    const std::string bytes("a\0\r\n\xff", 5);
    std::ofstream(path, std::ios::binary) << bytes;
    CHECK(lab::read_body_file(path) == bytes);
    std::filesystem::remove(path);
    CHECK_THROWS_AS(lab::read_body_file(path), std::invalid_argument);
    CHECK_THROWS_AS(lab::read_body_file(std::filesystem::temp_directory_path()), std::invalid_argument);
    {
        std::ofstream big(path, std::ios::binary);
        big.seekp(static_cast<std::streamoff>(lab::max_body_bytes));
        big.put('x');  // one byte past the limit (sparse)
    }
    CHECK_THROWS_AS(lab::read_body_file(path), std::invalid_argument);
    std::filesystem::remove(path);
}
