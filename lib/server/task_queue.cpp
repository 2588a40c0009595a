#include "server/task_queue.hpp"

#include "model/clock.hpp"
#include "workload/cpu_work.hpp"

#include <chrono>
#include <unistd.h>

namespace lab {

task_queue::task_queue(int workers, std::size_t capacity, task_board& board)
    : board_(board), pid_(::getpid()), capacity_(capacity) {
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

task_queue::~task_queue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    stop_.notify_all();
    // Joined, not detached: a detached worker would go on using `this`. A sleeping job wakes
    // at once (it waits on ready_); a CPU job finishes its sum first.
    for (auto& t : workers_) t.join();
}

std::optional<std::uint64_t> task_queue::submit(const task_job& job) {
    std::lock_guard lock(mutex_);
    if (waiting_.size() >= capacity_) return std::nullopt;
    task_view t;
    t.id = board_.next_id();
    t.job = job;
    t.pid = pid_;
    t.queued_ns = monotonic_ns();
    board_.publish(t);
    waiting_.push_back(t);
    ready_.notify_one();
    return t.id;
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
        task_view t = waiting_.front();
        waiting_.pop_front();
        t.status = task_status::running;
        t.start_ns = monotonic_ns();
        t.thread = thread;
        board_.publish(t);
        lock.unlock();

        if (t.job.n > 0) {
            t.result = sum_of_roots(t.job.n).sum;
            lock.lock();
        } else {
            // The job's blocking sleep, as a wait that the queue's end cuts short (on stop_, not
            // ready_: a submit's notify_one must wake an idle worker, not a sleeping one).
            lock.lock();
            if (stop_.wait_for(lock, std::chrono::milliseconds(t.job.ms), [&] { return stopping_; })) return;
        }
        t.status = task_status::done;
        t.end_ns = monotonic_ns();
        board_.publish(t);
    }
}

}  // namespace lab
