#include "report/timeline.hpp"

#include "analysis/analysis.hpp"
#include "synthetic.hpp"

#include <doctest/doctest.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;
using namespace lab::test;

TEST_CASE("a serialized run draws a staircase over one busy loop lane") {
    arm_result arm;
    arm.spec = synthetic_spec("blocking", "/blocking", model_kind::serialized, 3);
    arm.run = synthetic_run(3, 100, true, 0);
    arm.stats = analyze(arm.spec, arm.run);
    const std::string expected =
        "  timeline · blocking — one column = 10.0 ms\n"
        "                  0                     300.0 ms\n"
        "                  ├────────────────────────────┤\n"
        "  request  1      ██████████                      100.0 ms\n"
        "  request  2      ░░░░░░░░░░██████████            200.0 ms\n"
        "  request  3      ░░░░░░░░░░░░░░░░░░░░██████████  300.0 ms\n"
        "  pid 42 loop     ██████████████████████████████  3 handlers, max 1 at once\n"
        "                  ░ waiting for the server   █ handler running (server's clock)\n";
    CHECK(render_timeline(arm, {.width = 30}) == expected);
}

TEST_CASE("a concurrent run draws parallel bars — many requests become aggregate lanes") {
    arm_result arm;
    arm.spec = synthetic_spec("async", "/async", model_kind::concurrent, 30);
    arm.run = synthetic_run(30, 100, false, 0);
    arm.stats = analyze(arm.spec, arm.run);
    auto text = render_timeline(arm, {.width = 10});
    CAPTURE(text);
    CHECK(text.find("  in flight       ██████████  max 30 at once\n") != std::string::npos);
    CHECK(text.find("  completed                █\n") != std::string::npos);
    CHECK(text.find("  pid 42 loop     ██████████  30 handlers, max 30 at once\n") != std::string::npos);
    CHECK(text.find("request") == std::string::npos);
}

TEST_CASE("a foreign server without handler fields gets no server lanes") {
    arm_result arm;
    arm.spec = synthetic_spec("x", "/x", model_kind::none, 2);
    arm.run = synthetic_run(2, 100, false, 0);
    for (auto& r : arm.run.requests) r.server.reset();
    auto text = render_timeline(arm, {.width = 10});
    CHECK(text.find("  request  1      ██████████  100.0 ms\n") != std::string::npos);
    CHECK(text.find("(no server lanes: the target did not report handler times)") != std::string::npos);
}

TEST_SUITE_END();
