#pragma once
// The notes' Part 7, option 3: a background task queue. POST /tasks enqueues a job and
// answers at once; background threads run jobs in arrival order; GET /tasks/{id} reports
// the job's status and, once done, where and when it ran. The queue is bounded: a full
// queue refuses new jobs (503) instead of growing without limit.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lab {

struct task_job {
    long long ms = 0;       // a blocking sleep of ms, or
    std::uint64_t n = 0;    // Σ√i for i < n when n > 0
};

struct task_view {
    std::uint64_t id = 0;
    const char* status = "queued";  // queued | running | done
    task_job job;
    std::int64_t queued_ns = 0, start_ns = 0, end_ns = 0;
    long long thread = 0;
    double result = 0;
};

class task_queue {
public:
    task_queue(int workers, std::size_t capacity);
    ~task_queue();
    task_queue(const task_queue&) = delete;
    task_queue& operator=(const task_queue&) = delete;

    // The new task's id, or nullopt when `capacity` jobs are already waiting.
    std::optional<std::uint64_t> submit(const task_job& job);
    std::optional<task_view> find(std::uint64_t id) const;
    std::size_t waiting() const;

private:
    void work();

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::uint64_t> waiting_;
    std::map<std::uint64_t, task_view> tasks_;
    std::uint64_t next_id_ = 1;
    std::size_t capacity_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace lab
