// The memory sampler's view of a process tree, including processes that are dying or gone:
// it runs on its own thread during a load run, where an exception would end the lab.
#include "process/process_memory.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

TEST_CASE("a tree lists the root and its children — a zombie child with no memory") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    // Until it is reaped the child stays in /proc as a zombie, with no VmRSS line.
    siginfo_t info{};
    REQUIRE(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) == 0);
    auto tree = lab::memory_of_tree(::getpid());
    REQUIRE(tree.size() >= 2);
    CHECK(tree.front().pid == ::getpid());
    CHECK(tree.front().rss_kb > 0);
    CHECK(tree.front().supervisor);
    bool found = false;
    for (const auto& m : tree)
        if (m.pid == child) {
            found = true;
            CHECK(m.rss_kb == 0);
        }
    CHECK(found);
    ::waitpid(child, nullptr, 0);
}

TEST_CASE("a process that is gone has no memory and no children — without an error") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    auto tree = lab::memory_of_tree(child);
    REQUIRE(tree.size() == 1);
    CHECK(tree.front().rss_kb == 0);
    CHECK_FALSE(tree.front().supervisor);
}

TEST_SUITE_END();
