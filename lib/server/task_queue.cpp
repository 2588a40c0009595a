#include "server/task_queue.hpp"

#include "model/clock.hpp"
#include "workload/cpu_work.hpp"

#include <chrono>
#include <unistd.h>

namespace lab {

namespace {
// Finished tasks kept for GET /tasks/{id}; older ones are forgotten so memory stays bounded.
constexpr std::size_t kept_done = 100'000;
}  // namespace

task_queue::task_queue(int workers, std::size_t capacity) : capacity_(capacity) {
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

task_queue::~task_queue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.detach();  // a job may be mid-sleep; the process is ending anyway
}

std::optional<std::uint64_t> task_queue::submit(const task_job& job) {
    std::lock_guard lock(mutex_);
    if (waiting_.size() >= capacity_) return std::nullopt;
    const auto id = next_id_++;
    task_view t;
    t.id = id;
    t.job = job;
    t.queued_ns = monotonic_ns();
    tasks_[id] = t;
    waiting_.push_back(id);
    if (tasks_.size() > kept_done + capacity_) tasks_.erase(tasks_.begin());
    ready_.notify_one();
    return id;
}

std::optional<task_view> task_queue::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return std::nullopt;
    return it->second;
}

std::size_t task_queue::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

void task_queue::work() {
    const long long thread = static_cast<long long>(::gettid());
    for (;;) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
        if (stopping_) return;
        const auto id = waiting_.front();
        waiting_.pop_front();
        task_job job = tasks_[id].job;
        tasks_[id].status = "running";
        tasks_[id].start_ns = monotonic_ns();
        tasks_[id].thread = thread;
        lock.unlock();

        double result = 0;
        if (job.n > 0) result = sum_of_roots(job.n).sum;
        else std::this_thread::sleep_for(std::chrono::milliseconds(job.ms));

        lock.lock();
        auto& t = tasks_[id];
        t.status = "done";
        t.end_ns = monotonic_ns();
        t.result = result;
    }
}

}  // namespace lab
