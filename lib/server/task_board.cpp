#include "server/task_board.hpp"

#include "server/server.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <bit>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

namespace lab {

// Plain integers in zero-filled shared pages, every access through std::atomic_ref: nothing has
// to be constructed, so the pages stay untouched (and out of the resident memory the lab
// reports) until a task lands in them.
// Writers of every process take one process-shared robust mutex: a writer killed while it holds
// it (a worker dying mid-publish) hands the next writer EOWNERDEAD, and that one repairs the
// slot the dead writer had opened — no timed takeover that a preempted writer could suffer.
// Publishing is rare next to reading, which stays a lock-free seqlock.
struct task_board::shared {
    std::uint64_t next_id;
    pthread_mutex_t writers;
    std::uint64_t writing;  // 1 + the index of the slot a writer has open, 0 when none
};

struct task_board::slot {
    std::uint64_t seq;  // odd while a writer is inside
    std::uint64_t id, status, pid, thread, ms, n, queued_ns, start_ns, end_ns, result;
};

namespace {

using word = std::atomic_ref<std::uint64_t>;

// A reader that finds a slot being written this many times running gives up (nullopt); a write
// takes tens of nanoseconds, and a writer that died mid-write leaves it odd until the next writer
// repairs it.
constexpr int patience = 1 << 20;

// A field is stored with release and loaded with acquire: a reader that sees a value a writer
// stored inside the lock then also sees the count the writer made odd, so its second look at
// the count tells it to read again (the seqlock's check; fences would say the same, but
// ThreadSanitizer cannot see fences). On x86 these are plain moves all the same.
void store(std::uint64_t& field, std::uint64_t v) { word(field).store(v, std::memory_order_release); }
std::uint64_t load(std::uint64_t& field) { return word(field).load(std::memory_order_acquire); }

// Opens a slot for writing (its count made odd), under the writers' mutex.
void open_slot(std::uint64_t& seq) { store(seq, load(seq) + 1); }
void close_slot(std::uint64_t& seq) { store(seq, load(seq) + 1); }

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
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&shared_->writers, &attr);
    pthread_mutexattr_destroy(&attr);
}

task_board::~task_board() {
    pthread_mutex_destroy(&shared_->writers);
    ::munmap(shared_, bytes_);
}

// Holds the writers' mutex for one write. A holder that died left EOWNERDEAD: the slot it had
// open is closed again and its task marked lost (its process is gone with the job), and the
// mutex made consistent.
class task_board::writer {
public:
    explicit writer(task_board& board) : board_(board) {
        const int rc = pthread_mutex_lock(&board_.shared_->writers);
        if (rc == EOWNERDEAD) {
            repair();
            pthread_mutex_consistent(&board_.shared_->writers);
        } else if (rc != 0) {
            throw std::runtime_error(fmt::format("task board: cannot take the writers' lock: {}", std::strerror(rc)));
        }
    }
    ~writer() { pthread_mutex_unlock(&board_.shared_->writers); }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    // Opens slot `s` for writing; close() closes it.
    void open(slot& s) {
        store(board_.shared_->writing, 1 + static_cast<std::uint64_t>(&s - board_.first_slot()));
        open_slot(s.seq);
    }
    void close(slot& s) {
        close_slot(s.seq);
        store(board_.shared_->writing, 0);
    }

private:
    void repair() {
        const std::uint64_t open = load(board_.shared_->writing);
        if (open == 0) return;
        slot& s = board_.first_slot()[open - 1];
        if (load(s.seq) % 2 == 1) {
            store(s.status, static_cast<std::uint64_t>(task_status::lost));
            close_slot(s.seq);
        }
        store(board_.shared_->writing, 0);
    }
    task_board& board_;
};

std::uint64_t task_board::next_id() { return word(shared_->next_id).fetch_add(1, std::memory_order_relaxed) + 1; }

task_board::slot* task_board::first_slot() const { return reinterpret_cast<slot*>(shared_ + 1); }

task_board::slot& task_board::at(std::uint64_t id) const { return first_slot()[id % slots_]; }

void task_board::publish(const task_view& t) {
    slot& s = at(t.id);
    writer w(*this);
    if (load(s.id) > t.id) return;  // a newer task has the slot: this one is forgotten
    w.open(s);
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
    w.close(s);
}

void task_board::die_mid_write(std::uint64_t id) {
    slot& s = at(id);
    writer w(*this);
    w.open(s);
    ::_exit(0);  // holding the mutex, the slot open: what SIGKILL mid-publish leaves behind
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
        writer w(*this);
        const auto status = static_cast<task_status>(load(s.status));
        if (static_cast<long long>(load(s.pid)) != pid || (status != task_status::queued && status != task_status::running))
            continue;
        w.open(s);
        store(s.status, static_cast<std::uint64_t>(task_status::lost));
        w.close(s);
    }
}

}  // namespace lab
