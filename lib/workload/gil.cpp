#include "workload/gil.hpp"

namespace lab {

void gil::acquire() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = next_.fetch_add(1);
    turn_.wait(lock, [&] { return serving_.load() == ticket; });
}

void gil::release() {
    {
        std::lock_guard lock(mutex_);
        serving_.fetch_add(1);
    }
    turn_.notify_all();
}

}  // namespace lab
