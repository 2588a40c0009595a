#include "workload/gil.hpp"

#include "model/clock.hpp"

#include <unistd.h>

namespace lab {

namespace {

// This thread's current hold, from acquire to release: one lock is held at a time per thread.
struct hold_times {
    std::int64_t want_ns = 0, got_ns = 0;
};
thread_local hold_times current;

}  // namespace

void gil::acquire() {
    if (observer_) current.want_ns = monotonic_ns();
    {
        std::unique_lock lock(mutex_);
        const std::uint64_t ticket = next_.fetch_add(1);
        turn_.wait(lock, [&] { return serving_.load() == ticket; });
    }
    if (observer_) current.got_ns = monotonic_ns();
}

void gil::release() {
    // Stamped before the lock goes, so one thread's hold ends before the next one's begins.
    const std::int64_t end_ns = observer_ ? monotonic_ns() : 0;
    {
        std::lock_guard lock(mutex_);
        serving_.fetch_add(1);
    }
    turn_.notify_all();
    if (observer_) observer_(static_cast<std::int64_t>(::gettid()), current.want_ns, current.got_ns, end_ns);
}

}  // namespace lab
