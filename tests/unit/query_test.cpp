#include "net/query.hpp"

#include <doctest/doctest.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;

TEST_CASE("targets split into path and decoded params") {
    auto t = parse_target("/async?ms=100&x=a%20b");
    REQUIRE(t);
    CHECK(t->path == "/async");
    REQUIRE(t->find("ms"));
    CHECK(*t->find("ms") == "100");
    CHECK(*t->find("x") == "a b");
    CHECK(t->find("y") == nullptr);
    CHECK_FALSE(parse_target("not a target"));
    CHECK_FALSE(parse_target(""));
}

TEST_CASE("integer params are range-checked with a clear reason") {
    auto check = [](const char* target) { return parse_int_param(*parse_target(target), "ms", 0, 60000); };
    CHECK(check("/a?ms=0").value == 0);
    CHECK(check("/a?ms=60000").value == 60000);
    CHECK(check("/a?ms=100").ok());
    CHECK(check("/a").error == "missing ms: ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=-1").error == "bad ms='-1': ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=60001").error == "bad ms='60001': ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=abc").error == "bad ms='abc': ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=10x").error == "bad ms='10x': ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=").error == "bad ms='': ms must be an integer from 0 to 60000");
    CHECK(check("/a?ms=99999999999999999999").error.starts_with("bad ms="));
}

TEST_SUITE_END();
