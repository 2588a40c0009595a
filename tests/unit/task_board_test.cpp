// The task board: what one process publishes, any process forked after the board was made reads.
#include "server/task_board.hpp"

#include <doctest/doctest.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using lab::task_board;
using lab::task_status;
using lab::task_view;

TEST_CASE("a published task reads back whole — an id never made reads as none") {
    task_board board(8);
    task_view t;
    t.id = board.next_id();
    t.status = task_status::done;
    t.job.n = 1000;
    t.pid = 42;
    t.thread = 43;
    t.queued_ns = 1;
    t.start_ns = 2;
    t.end_ns = 3;
    t.result = 20.5;
    board.publish(t);
    auto back = board.read(t.id);
    REQUIRE(back);
    CHECK(back->status == task_status::done);
    CHECK(back->job.n == 1000);
    CHECK(back->pid == 42);
    CHECK(back->thread == 43);
    CHECK(back->end_ns == 3);
    CHECK(back->result == 20.5);
    CHECK_FALSE(board.read(t.id + 1));
    CHECK_FALSE(board.read(0));
}

TEST_CASE("a task is forgotten once a newer one takes its slot — and stays forgotten") {
    task_board board(4);
    task_view old_task, new_task;
    old_task.id = 1;
    new_task.id = 5;  // the same slot of four
    board.publish(old_task);
    board.publish(new_task);
    CHECK_FALSE(board.read(1));
    old_task.status = task_status::done;  // the old job finishing late must not take the slot back
    board.publish(old_task);
    CHECK_FALSE(board.read(1));
    CHECK(board.read(5));
}

TEST_CASE("ids and tasks are shared with a forked process — a dead process's unfinished tasks are lost") {
    task_board board(16);
    CHECK(board.next_id() == 1);
    pid_t child = ::fork();
    if (child == 0) {
        task_view t;
        t.id = board.next_id();  // 2: the counter is shared
        t.pid = ::getpid();
        t.status = task_status::running;
        board.publish(t);
        ::_exit(t.id == 2 ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(board.next_id() == 3);
    auto seen = board.read(2);
    REQUIRE(seen);
    CHECK(seen->pid == child);
    CHECK(seen->status == task_status::running);

    task_view mine;
    mine.id = 3;
    mine.pid = ::getpid();
    mine.status = task_status::queued;
    board.publish(mine);
    board.lose_tasks_of(child);
    CHECK(board.read(2)->status == task_status::lost);
    CHECK(board.read(3)->status == task_status::queued);  // another process's task is untouched
}

TEST_CASE("a writer killed mid-write is repaired by the next — its task reads lost") {
    task_board board(16);
    task_view t;
    t.id = board.next_id();
    t.status = task_status::running;
    t.pid = 42;
    board.publish(t);
    pid_t child = ::fork();
    if (child == 0) board.die_mid_write(t.id);  // holds the writers' lock, slot open, then exits
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK_FALSE(board.read(t.id));  // a slot left open reads as nothing rather than half a task
    // The next writer is not locked out (nor takes over by timing): EOWNERDEAD, repair, go on.
    task_view next;
    next.id = board.next_id();
    next.status = task_status::queued;
    board.publish(next);
    REQUIRE(board.read(next.id));
    auto repaired = board.read(t.id);
    REQUIRE(repaired);
    CHECK(repaired->status == task_status::lost);
}

TEST_CASE("a board too large to map is a one-line error — not a crash") {
    CHECK_THROWS_WITH_AS(task_board(std::size_t{1} << 50), doctest::Contains("cannot map a task board"), std::runtime_error);
}

TEST_SUITE_END();
