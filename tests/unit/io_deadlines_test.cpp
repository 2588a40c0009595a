// The sweep's arithmetic: a wait is never cut before its timeout, and not much after it.
#include "net/io_deadlines.hpp"

#include <doctest/doctest.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace std::chrono;

TEST_CASE("a sweep cuts a wait off between its timeout and a quarter more") {
    // Timeouts as the CLI makes them: milliseconds (serve) and seconds as a double (load).
    for (double seconds : {0.001, 0.0025, 0.004, 0.05, 0.1, 0.3, 1.0, 2.7, 30.0, 3600.0}) {
        CAPTURE(seconds);
        const auto timeout = nanoseconds(static_cast<long long>(seconds * 1e9));
        const auto s = lab::sweep_schedule::for_timeout(timeout);
        CHECK(s.period >= milliseconds(1));
        // Armed just before a tick: cut after (ticks - 1) periods; just after one: ticks periods.
        const auto earliest = s.period * static_cast<long long>(s.ticks - 1);
        const auto latest = s.period * static_cast<long long>(s.ticks);
        CHECK(earliest >= timeout);
        CHECK(latest <= std::max<nanoseconds>(timeout + timeout / 4 + nanoseconds(4), timeout + milliseconds(2)));
    }
}

TEST_SUITE_END();
