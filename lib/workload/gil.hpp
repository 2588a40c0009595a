#pragma once
// An emulated global interpreter lock (CPython's, as of 3.2): one process-wide lock that
// CPU work must hold; a holder hands it over after a switch interval (5 ms by default,
// sys.getswitchinterval()) when another thread is waiting, and waiters are served in
// arrival order. Blocking sleeps do not take it, as CPython releases it around I/O.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace lab {

// Told of every hold once it ends: the thread (its kernel id), when it asked for the lock, when
// it got it and when it let go (CLOCK_MONOTONIC ns). The server keeps these for the GIL lane.
using gil_hold_observer = std::function<void(std::int64_t thread, std::int64_t want_ns, std::int64_t got_ns,
                                             std::int64_t end_ns)>;

class gil {
public:
    explicit gil(std::chrono::microseconds switch_interval = std::chrono::milliseconds(5),
                 gil_hold_observer observer = {})
        : interval_(switch_interval), observer_(std::move(observer)) {}

    void acquire();
    void release();
    // True when some other thread is queued for the lock.
    bool contended() const { return waiting() > 0; }
    // Threads queued for the lock, its holder not counted.
    std::uint64_t waiting() const {
        const auto taken = next_.load(std::memory_order_relaxed) - serving_.load();
        return taken > 1 ? taken - 1 : 0;
    }
    std::chrono::microseconds switch_interval() const { return interval_; }

    // Handovers so far: how often a holder gave the lock to a waiter.
    std::uint64_t handovers() const { return handovers_.load(std::memory_order_relaxed); }
    void count_handover() { handovers_.fetch_add(1, std::memory_order_relaxed); }

private:
    std::chrono::microseconds interval_;
    gil_hold_observer observer_;
    std::mutex mutex_;
    std::condition_variable turn_;
    std::atomic<std::uint64_t> next_{0};     // the next ticket to hand out
    std::atomic<std::uint64_t> serving_{0};  // the ticket that holds the lock
    std::atomic<std::uint64_t> handovers_{0};
};

}  // namespace lab
