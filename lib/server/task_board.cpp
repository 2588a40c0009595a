#include "server/task_board.hpp"

#include "server/server.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <bit>
#include <sys/mman.h>

namespace lab {

// Plain integers in zero-filled shared pages, every access through std::atomic_ref: nothing has
// to be constructed, so the pages stay untouched (and out of the resident memory the lab
// reports) until a task lands in them.
struct task_board::shared {
    std::uint64_t next_id;
};

struct task_board::slot {
    std::uint64_t seq;  // odd while a writer is inside
    std::uint64_t id, status, pid, thread, ms, n, queued_ns, start_ns, end_ns, result;
};

namespace {

using word = std::atomic_ref<std::uint64_t>;

// A writer that finds a slot held this long assumes its holder died mid-write (a killed
// worker); a reader that sees it held this long gives up. A write takes tens of nanoseconds.
constexpr int patience = 1 << 20;

// A field is stored with release and loaded with acquire: a reader that sees a value a writer
// stored inside the lock then also sees the count the writer made odd, so its second look at
// the count tells it to read again (the seqlock's check; fences would say the same, but
// ThreadSanitizer cannot see fences). On x86 these are plain moves all the same.
void store(std::uint64_t& field, std::uint64_t v) { word(field).store(v, std::memory_order_release); }
std::uint64_t load(std::uint64_t& field) { return word(field).load(std::memory_order_acquire); }

// Takes the slot's seqlock (the count made odd) and returns the count to release it with.
std::uint64_t lock(std::uint64_t& seq) {
    std::uint64_t s = word(seq).load(std::memory_order_relaxed);
    for (int tries = 0;; ++tries) {
        if (s % 2 == 1 && tries < patience) {
            s = word(seq).load(std::memory_order_relaxed);
            continue;
        }
        const std::uint64_t even = s % 2 == 1 ? s + 1 : s;  // past patience: take it over
        if (word(seq).compare_exchange_weak(s, even + 1, std::memory_order_acquire)) return even + 2;
    }
}

void release(std::uint64_t& seq, std::uint64_t next) { word(seq).store(next, std::memory_order_release); }

}  // namespace

std::size_t task_board_slots(const server_options& options) {
    return remembered_tasks + static_cast<std::size_t>(options.task_capacity) * static_cast<std::size_t>(std::max(1, options.workers));
}

const char* to_string(task_status s) {
    switch (s) {
        case task_status::queued: return "queued";
        case task_status::running: return "running";
        case task_status::done: return "done";
        case task_status::lost: return "lost";
    }
    return "unknown";
}

task_board::task_board(std::size_t slots) : slots_(slots), bytes_(sizeof(shared) + slots * sizeof(slot)) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error(fmt::format("cannot map a task board of {} slots ({} MB): {} (lower --task-queue or --workers)",
                                             slots, bytes_ / 1'000'000, std::strerror(errno)));
    shared_ = static_cast<shared*>(p);
}

task_board::~task_board() { ::munmap(shared_, bytes_); }

std::uint64_t task_board::next_id() { return word(shared_->next_id).fetch_add(1, std::memory_order_relaxed) + 1; }

task_board::slot& task_board::at(std::uint64_t id) const { return reinterpret_cast<slot*>(shared_ + 1)[id % slots_]; }

void task_board::publish(const task_view& t) {
    slot& s = at(t.id);
    const auto next = lock(s.seq);
    if (load(s.id) > t.id) return release(s.seq, next);  // a newer task has the slot: this one is forgotten
    store(s.id, t.id);
    store(s.status, static_cast<std::uint64_t>(t.status));
    store(s.pid, static_cast<std::uint64_t>(t.pid));
    store(s.thread, static_cast<std::uint64_t>(t.thread));
    store(s.ms, static_cast<std::uint64_t>(t.job.ms));
    store(s.n, t.job.n);
    store(s.queued_ns, static_cast<std::uint64_t>(t.queued_ns));
    store(s.start_ns, static_cast<std::uint64_t>(t.start_ns));
    store(s.end_ns, static_cast<std::uint64_t>(t.end_ns));
    store(s.result, std::bit_cast<std::uint64_t>(t.result));
    release(s.seq, next);
}

std::optional<task_view> task_board::read(std::uint64_t id) const {
    slot& s = at(id);
    for (int tries = 0; tries < patience; ++tries) {
        const std::uint64_t before = word(s.seq).load(std::memory_order_acquire);
        if (before % 2 == 1) continue;
        task_view t;
        t.id = load(s.id);
        t.status = static_cast<task_status>(load(s.status));
        t.pid = static_cast<long long>(load(s.pid));
        t.thread = static_cast<long long>(load(s.thread));
        t.job.ms = static_cast<long long>(load(s.ms));
        t.job.n = load(s.n);
        t.queued_ns = static_cast<std::int64_t>(load(s.queued_ns));
        t.start_ns = static_cast<std::int64_t>(load(s.start_ns));
        t.end_ns = static_cast<std::int64_t>(load(s.end_ns));
        t.result = std::bit_cast<double>(load(s.result));
        if (word(s.seq).load(std::memory_order_relaxed) != before) continue;  // a writer came in: read again
        if (t.id != id || id == 0) return std::nullopt;
        return t;
    }
    return std::nullopt;
}

void task_board::lose_tasks_of(long long pid) {
    // Only the slots ids have reached: the rest of the table stays untouched.
    const std::uint64_t last = load(shared_->next_id);
    for (std::uint64_t id = last > slots_ ? last - slots_ + 1 : 1; id <= last; ++id) {
        slot& s = at(id);
        if (load(s.id) == 0 || static_cast<long long>(load(s.pid)) != pid) continue;
        const auto next = lock(s.seq);
        const auto status = static_cast<task_status>(load(s.status));
        if (static_cast<long long>(load(s.pid)) == pid && (status == task_status::queued || status == task_status::running))
            store(s.status, static_cast<std::uint64_t>(task_status::lost));
        release(s.seq, next);
    }
}

}  // namespace lab
