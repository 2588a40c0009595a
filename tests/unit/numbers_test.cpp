// One number syntax for flags and query parameters (lib/model/numbers.hpp).
#include "model/numbers.hpp"

#include <doctest/doctest.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;

TEST_CASE("integers are decimal digits: a leading zero is decimal — never octal") {
    CHECK(parse_decimal_integer("10") == 10);
    CHECK(parse_decimal_integer("010") == 10);
    CHECK(parse_decimal_integer("0") == 0);
    for (const char* bad : {"", "0x10", "-1", "+1", " 1", "1 ", "1.0", "1e3", "nan", "inf", "99999999999999999999"})
        CHECK_MESSAGE(!parse_decimal_integer(bad), bad);
}

TEST_CASE("reals are decimal — with a fraction or an exponent — never NaN — infinity or hex") {
    CHECK(parse_decimal_real("0.5") == 0.5);
    CHECK(parse_decimal_real("1e7") == 1e7);
    CHECK(parse_decimal_real("2.") == 2.0);
    CHECK(parse_decimal_real(".5") == 0.5);
    CHECK(parse_decimal_real("010") == 10);
    for (const char* bad : {"", ".", "nan", "NaN", "inf", "infinity", "0x1p3", "-1", "1e", "1e+", "1e999", "1,5"})
        CHECK_MESSAGE(!parse_decimal_real(bad), bad);
}

TEST_CASE("ranges read as a person writes them") {
    CHECK(range_text(1, 1000000) == "1 … 1000000");
    CHECK(range_text(0, 60000, "ms") == "0 … 60000 ms");
    CHECK(range_text(0.001, 3600.0, "s") == "0.001 … 3600 s");
}

TEST_SUITE_END();
