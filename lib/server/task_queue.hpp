#pragma once
// The notes' Part 7, option 3: a background task queue. POST /tasks enqueues a job and
// answers at once; background threads run jobs in arrival order; GET /tasks/{id} reports
// the job's status and, once done, where and when it ran. The queue is bounded: a full
// queue refuses new jobs (503) instead of growing without limit. Each process runs its own
// jobs; their status goes on a task_board, which the worker processes of --workers share.
#include "server/task_board.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lab {

class task_queue {
public:
    task_queue(int workers, std::size_t capacity, task_board& board);
    ~task_queue();
    task_queue(const task_queue&) = delete;
    task_queue& operator=(const task_queue&) = delete;

    // The new task's id, or nullopt when `capacity` jobs are already waiting.
    std::optional<std::uint64_t> submit(const task_job& job);
    // Any task on the board, this process's or another worker's.
    std::optional<task_view> find(std::uint64_t id) const { return board_.read(id); }
    std::size_t waiting() const;

private:
    void work();

    task_board& board_;
    const long long pid_;
    mutable std::mutex mutex_;  // guards waiting_ and stopping_ (the board locks its own slots)
    std::condition_variable ready_;  // a job is waiting, or the queue ends
    std::condition_variable stop_;   // the queue ends: wakes the jobs that sleep
    std::deque<task_view> waiting_;
    std::size_t capacity_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace lab
