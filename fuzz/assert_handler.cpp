// The fuzz build keeps Boost's assertions on (the release and sanitizer builds define NDEBUG),
// so an assertion a parser trips is a crash the fuzzer reports. One of Boost 1.81's is wrong:
// Beast's chunk-header parser asserts `n >= 5` where a body cut after its final chunk ("0\r\n",
// then one byte of the trailers) legitimately reaches it with 3 or 4 bytes, and the code after
// it answers need_more correctly (boostorg/beast#2861, which relaxed it in a later Boost;
// fuzz/regressions/response holds the input that found it). That assertion alone is let pass.
#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace boost {

namespace {

bool known_wrong(std::string_view expr, std::string_view file) {
    return expr == "n >= 5" && file.ends_with("boost/beast/http/impl/basic_parser.ipp");
}

}  // namespace

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
    if (known_wrong(expr, file)) return;
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
    std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
    std::abort();
}

}  // namespace boost
