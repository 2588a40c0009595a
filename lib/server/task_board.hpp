#pragma once
// Every background task's status, where every worker process can read it. With --workers N the
// kernel hands each connection to any worker, so GET /tasks/{id} often reaches a process other
// than the one running the job; behind a real deployment's workers Redis or a database plays
// this part. Here it is a table in memory shared by the supervisor's forks (mapped before the
// first fork), one slot per id modulo its size, so old tasks are forgotten and memory stays
// bounded. Each slot is a seqlock of atomics: readers in any process never block the writers, who
// take one process-shared robust mutex (a writer that dies holding it is repaired after).
#include <cstddef>
#include <cstdint>
#include <optional>

namespace lab {

enum class task_status : std::uint8_t { queued, running, done, lost };
const char* to_string(task_status s);

struct task_job {
    long long ms = 0;       // a blocking sleep of ms, or
    std::uint64_t n = 0;    // Σ√i for i < n when n > 0
};

// Finished tasks a board remembers beyond the ones that may be waiting.
inline constexpr std::size_t remembered_tasks = 100'000;

struct task_view {
    std::uint64_t id = 0;
    task_status status = task_status::queued;
    task_job job;
    long long pid = 0;     // the worker process that holds (and runs) the job
    long long thread = 0;  // the thread that ran it, once running
    std::int64_t queued_ns = 0, start_ns = 0, end_ns = 0;
    double result = 0;
};

struct server_options;

class task_board {
public:
    // A board shared with every process forked after it is made; the last `slots` tasks are
    // remembered.
    explicit task_board(std::size_t slots);
    ~task_board();
    task_board(const task_board&) = delete;
    task_board& operator=(const task_board&) = delete;

    // A new id, unique across every process sharing the board (ids start at 1).
    std::uint64_t next_id();
    // Writes `t` to its slot, unless a newer task has taken the slot over. Writers of any
    // process exclude each other per slot.
    void publish(const task_view& t);
    // The task's last published view, or nullopt when it was never made or is forgotten.
    std::optional<task_view> read(std::uint64_t id) const;
    // Marks `pid`'s queued and running tasks lost: the supervisor calls it when a worker dies.
    void lose_tasks_of(long long pid);

    std::size_t slots() const { return slots_; }

    // For the tests of a writer killed mid-write: takes the writers' lock, opens the slot of
    // `id` and ends the process (_exit) without closing either.
    [[noreturn]] void die_mid_write(std::uint64_t id);

private:
    struct shared;
    struct slot;
    class writer;
    slot* first_slot() const;
    slot& at(std::uint64_t id) const;
    shared* shared_;
    std::size_t slots_;
    std::size_t bytes_;
};

// How many tasks a server's board holds: the remembered ones, plus every one that may be
// waiting in each worker process's queue.
std::size_t task_board_slots(const server_options& options);

}  // namespace lab
