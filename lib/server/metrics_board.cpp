#include "server/metrics_board.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/mman.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace lab {

namespace {

// The loop's lateness for its quantiles: 40 logarithmic bins a decade from 1 µs to 100 s
// (each 6 % wide), so a p99 read off them is within 6 % of the truth.
constexpr std::size_t bins_per_decade = 40;
constexpr std::size_t lag_bins = 8 * bins_per_decade;
// Prometheus's histogram buckets, in seconds: upper bounds from 0.1 ms to 10 s.
constexpr std::array<double, 16> bucket_le{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                           0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};
// The statuses the lab's server answers with; anything else is counted as "other".
constexpr std::array<unsigned, 11> statuses{200, 202, 400, 404, 405, 413, 414, 431, 500, 502, 503};
constexpr std::size_t status_count = statuses.size() + 1;
constexpr std::size_t late_cap = 4096;    // late ticks kept as intervals, per process
constexpr std::size_t gil_cap = 16'384;   // GIL holds kept (82 s of 5 ms holds), per process

using word = std::atomic_ref<std::uint64_t>;
std::uint64_t get(const std::uint64_t& f) { return word(const_cast<std::uint64_t&>(f)).load(std::memory_order_acquire); }
void set(std::uint64_t& f, std::uint64_t v) { word(f).store(v, std::memory_order_release); }
// One writer only: a load and a store, no read-modify-write.
void bump(std::uint64_t& f, std::uint64_t by = 1) { set(f, get(f) + by); }
void add(std::uint64_t& f, std::int64_t by) { word(f).fetch_add(static_cast<std::uint64_t>(by), std::memory_order_relaxed); }

std::size_t lag_bin(std::int64_t ns) {
    if (ns < 1000) return 0;
    auto b = static_cast<std::size_t>(std::log10(static_cast<double>(ns) / 1000.0) * bins_per_decade);
    return std::min(b, lag_bins - 1);
}
double bin_upper_ns(std::size_t b) { return 1000.0 * std::pow(10.0, static_cast<double>(b + 1) / bins_per_decade); }

std::size_t status_index(unsigned status) {
    auto at = std::find(statuses.begin(), statuses.end(), status);
    return static_cast<std::size_t>(at - statuses.begin());  // statuses.size() when none: "other"
}

}  // namespace

// An entry of a ring is read only when its `generation` is the slot's: a replacement worker
// that takes a slot over starts at entry 0 without clearing what its predecessor left.
struct metrics_slot {
    std::uint64_t pid, generation, interval_ns, pool_threads;
    std::uint64_t ticks, lag_sum_ns, lag_max_ns, stalls, stalled_ns;
    std::uint64_t lag[lag_bins];
    std::uint64_t buckets[bucket_le.size()];
    std::uint64_t requests[route_count][status_count];
    std::uint64_t pool_busy, pool_queued, task_depth, gil_handovers;
    std::uint64_t db_connections, db_takes, db_waits, db_waited_ns;
    std::uint64_t late_next, gil_next;
    struct late_entry {
        std::uint64_t generation, due_ns, ran_ns;
    } late[late_cap];
    struct gil_entry {
        std::uint64_t generation, thread, want_ns, got_ns, end_ns;
    } gil[gil_cap];
};

void metrics_writer::loop_tick(std::int64_t due_ns, std::int64_t ran_ns) const {
    if (!slot_) return;
    const auto late = std::max<std::int64_t>(0, ran_ns - due_ns);
    bump(slot_->ticks);
    bump(slot_->lag_sum_ns, static_cast<std::uint64_t>(late));
    if (static_cast<std::uint64_t>(late) > get(slot_->lag_max_ns)) set(slot_->lag_max_ns, static_cast<std::uint64_t>(late));
    bump(slot_->lag[lag_bin(late)]);
    const double late_s = static_cast<double>(late) / 1e9;
    for (std::size_t i = 0; i < bucket_le.size(); ++i)
        if (late_s <= bucket_le[i]) {
            bump(slot_->buckets[i]);
            break;
        }
    if (late >= stall_ns) {
        bump(slot_->stalls);
        bump(slot_->stalled_ns, static_cast<std::uint64_t>(late));
    }
    if (late < late_ns) return;
    // Counted past the ring's end too, so a reader can say how many it did not keep.
    const auto i = get(slot_->late_next);
    if (i < late_cap) {
        auto& e = slot_->late[i];
        set(e.due_ns, static_cast<std::uint64_t>(due_ns));
        set(e.ran_ns, static_cast<std::uint64_t>(ran_ns));
        set(e.generation, get(slot_->generation));
    }
    set(slot_->late_next, i + 1);
}

void metrics_writer::request(route_id route, unsigned status) const {
    if (slot_) bump(slot_->requests[static_cast<std::size_t>(route)][status_index(status)]);
}
void metrics_writer::pool_queued(int delta) const {
    if (slot_) add(slot_->pool_queued, delta);
}
void metrics_writer::pool_busy(int delta) const {
    if (slot_) add(slot_->pool_busy, delta);
}
void metrics_writer::task_depth(std::uint64_t waiting) const {
    if (slot_) set(slot_->task_depth, waiting);
}
void metrics_writer::db_connections(int n) const {
    if (slot_) set(slot_->db_connections, static_cast<std::uint64_t>(n));
}
void metrics_writer::db_take(std::int64_t waited_ns) const {
    if (!slot_) return;
    add(slot_->db_takes, 1);  // from the loop and from pool threads
    if (waited_ns <= 0) return;
    add(slot_->db_waits, 1);
    add(slot_->db_waited_ns, waited_ns);
}
void metrics_writer::gil_handovers(std::uint64_t n) const {
    if (slot_) set(slot_->gil_handovers, n);
}

void metrics_writer::gil_hold(std::int64_t thread, std::int64_t want_ns, std::int64_t got_ns, std::int64_t end_ns) const {
    if (!slot_) return;
    const auto i = word(slot_->gil_next).fetch_add(1, std::memory_order_relaxed);  // pool threads race for entries
    if (i >= gil_cap) return;
    auto& e = slot_->gil[i];
    set(e.thread, static_cast<std::uint64_t>(thread));
    set(e.want_ns, static_cast<std::uint64_t>(want_ns));
    set(e.got_ns, static_cast<std::uint64_t>(got_ns));
    set(e.end_ns, static_cast<std::uint64_t>(end_ns));
    set(e.generation, get(slot_->generation));
}

metrics_board::metrics_board(std::size_t processes)
    : count_(std::max<std::size_t>(1, processes)), bytes_(count_ * sizeof(metrics_slot)) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error(fmt::format("cannot map the metrics of {} processes: {}", count_, std::strerror(errno)));
    slots_ = static_cast<metrics_slot*>(p);
}

metrics_board::~metrics_board() { ::munmap(slots_, bytes_); }

metrics_writer metrics_board::claim(std::size_t i, long long pid, int interval_us, int pool_threads) {
    auto& s = slots_[std::min(i, count_ - 1)];
    set(s.pid, 0);  // readers skip the slot while it is cleared
    // Only the counters are cleared: the rings are told apart by generation, and their pages
    // stay untouched until used.
    for (auto* f : {&s.ticks, &s.lag_sum_ns, &s.lag_max_ns, &s.stalls, &s.stalled_ns, &s.pool_busy, &s.pool_queued,
                    &s.task_depth, &s.gil_handovers, &s.db_connections, &s.db_takes, &s.db_waits, &s.db_waited_ns,
                    &s.late_next, &s.gil_next})
        set(*f, 0);
    for (auto& b : s.lag) set(b, 0);
    for (auto& b : s.buckets) set(b, 0);
    for (auto& row : s.requests)
        for (auto& c : row) set(c, 0);
    set(s.interval_ns, static_cast<std::uint64_t>(interval_us) * 1000);
    set(s.pool_threads, static_cast<std::uint64_t>(pool_threads));
    bump(s.generation);
    set(s.pid, static_cast<std::uint64_t>(pid));
    return metrics_writer(&s);
}

namespace {

// The smallest bin bound below which a fraction q of the ticks lie (never above the max).
double quantile_ms(const metrics_slot& s, double q) {
    const auto ticks = get(s.ticks);
    if (ticks == 0) return 0;
    const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(ticks)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < lag_bins; ++b)
        if ((seen += get(s.lag[b])) >= want)
            return std::min(bin_upper_ns(b), static_cast<double>(get(s.lag_max_ns))) / 1e6;
    return static_cast<double>(get(s.lag_max_ns)) / 1e6;
}

std::string status_label(std::size_t i) { return i < statuses.size() ? std::to_string(statuses[i]) : "other"; }

// One metric family: its HELP and TYPE once, then a sample line per process (or per label set).
struct family {
    std::string& out;
    family(std::string& o, const char* name, const char* type, const char* help) : out(o) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
};

}  // namespace

std::string metrics_board::prometheus_text() const {
    std::vector<const metrics_slot*> live;
    for (std::size_t i = 0; i < count_; ++i)
        if (get(slots_[i].pid) != 0) live.push_back(&slots_[i]);
    std::string out;
    auto per_process = [&](const char* name, const char* type, const char* help, auto value) {
        family f(out, name, type, help);
        for (const auto* s : live) out += fmt::format("{}{{pid=\"{}\"}} {}\n", name, get(s->pid), value(*s));
    };
    {
        family f(out, "lab_loop_lag_seconds", "histogram",
                 "How late the event loop ran a timer due every interval: its responsiveness.");
        for (const auto* s : live) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < bucket_le.size(); ++i)
                out += fmt::format("lab_loop_lag_seconds_bucket{{pid=\"{}\",le=\"{}\"}} {}\n", get(s->pid), bucket_le[i],
                                   cumulative += get(s->buckets[i]));
            out += fmt::format("lab_loop_lag_seconds_bucket{{pid=\"{}\",le=\"+Inf\"}} {}\n", get(s->pid), get(s->ticks));
            out += fmt::format("lab_loop_lag_seconds_sum{{pid=\"{}\"}} {}\n", get(s->pid),
                               static_cast<double>(get(s->lag_sum_ns)) / 1e9);
            out += fmt::format("lab_loop_lag_seconds_count{{pid=\"{}\"}} {}\n", get(s->pid), get(s->ticks));
        }
    }
    per_process("lab_loop_lag_max_seconds", "gauge", "The latest the loop has run a timer so far.",
                [](const metrics_slot& s) { return static_cast<double>(get(s.lag_max_ns)) / 1e9; });
    per_process("lab_loop_stalls_total", "counter", "Timer ticks the loop ran 10 ms or more late.",
                [](const metrics_slot& s) { return get(s.stalls); });
    {
        family f(out, "lab_requests_total", "counter", "Requests answered, by route and status.");
        for (const auto* s : live)
            for (std::size_t r = 0; r < route_count; ++r)
                for (std::size_t c = 0; c < status_count; ++c)
                    if (auto n = get(s->requests[r][c]); n > 0)
                        out += fmt::format("lab_requests_total{{pid=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                                           get(s->pid), route_label(static_cast<route_id>(r)), status_label(c), n);
    }
    per_process("lab_pool_threads", "gauge", "Threads in the pool behind /pool and /cpu?on=pool.",
                [](const metrics_slot& s) { return get(s.pool_threads); });
    per_process("lab_pool_busy_threads", "gauge", "Pool threads running a handler now.",
                [](const metrics_slot& s) { return get(s.pool_busy); });
    per_process("lab_pool_queued_jobs", "gauge", "Handlers waiting for a pool thread now.",
                [](const metrics_slot& s) { return get(s.pool_queued); });
    per_process("lab_task_queue_depth", "gauge", "Background jobs of POST /tasks waiting for a task worker.",
                [](const metrics_slot& s) { return get(s.task_depth); });
    per_process("lab_gil_handovers_total", "counter", "Times the emulated GIL was handed to a waiting thread.",
                [](const metrics_slot& s) { return get(s.gil_handovers); });
    per_process("lab_db_pool_connections", "gauge", "Connections to the database this process holds (--db-pool).",
                [](const metrics_slot& s) { return get(s.db_connections); });
    per_process("lab_db_pool_takes_total", "counter", "Queries that took a connection of the pool.",
                [](const metrics_slot& s) { return get(s.db_takes); });
    per_process("lab_db_pool_waits_total", "counter", "Queries that found no connection free and waited for one.",
                [](const metrics_slot& s) { return get(s.db_waits); });
    per_process("lab_db_pool_wait_seconds_total", "counter", "Time queries spent waiting for a connection.",
                [](const metrics_slot& s) { return static_cast<double>(get(s.db_waited_ns)) / 1e9; });
    return out;
}

std::string metrics_board::json() const {
    namespace json = boost::json;
    json::array processes;
    for (std::size_t i = 0; i < count_; ++i) {
        const auto& s = slots_[i];
        const auto pid = get(s.pid);
        if (pid == 0) continue;
        const auto generation = get(s.generation);
        json::array late, gil;
        for (std::size_t k = 0; k < std::min<std::uint64_t>(get(s.late_next), late_cap); ++k)
            if (get(s.late[k].generation) == generation)
                late.push_back(json::array{get(s.late[k].due_ns), get(s.late[k].ran_ns)});
        const auto holds = get(s.gil_next);
        for (std::size_t k = 0; k < std::min<std::uint64_t>(holds, gil_cap); ++k)
            if (const auto& e = s.gil[k]; get(e.generation) == generation)
                gil.push_back(json::array{get(e.thread), get(e.want_ns), get(e.got_ns), get(e.end_ns)});
        json::object lag{{"interval_ms", static_cast<double>(get(s.interval_ns)) / 1e6},
                         {"ticks", get(s.ticks)},
                         {"max_ms", static_cast<double>(get(s.lag_max_ns)) / 1e6},
                         {"p50_ms", quantile_ms(s, 0.5)},
                         {"p99_ms", quantile_ms(s, 0.99)},
                         {"stalls", get(s.stalls)},
                         {"stalled_ms", static_cast<double>(get(s.stalled_ns)) / 1e6},
                         {"late", std::move(late)},
                         {"late_dropped", get(s.late_next) > late_cap ? get(s.late_next) - late_cap : 0}};
        processes.push_back(json::object{
            {"pid", pid},
            {"loop_lag", std::move(lag)},
            {"gil", json::object{{"holds", std::move(gil)},
                                 {"dropped", holds > gil_cap ? holds - gil_cap : 0},
                                 {"handovers", get(s.gil_handovers)}}},
            {"pool", json::object{{"threads", get(s.pool_threads)}, {"busy", get(s.pool_busy)}, {"queued", get(s.pool_queued)}}},
            {"task_queue_depth", get(s.task_depth)},
            {"db_pool", json::object{{"connections", get(s.db_connections)},
                                     {"takes", get(s.db_takes)},
                                     {"waits", get(s.db_waits)},
                                     {"waited_ms", static_cast<double>(get(s.db_waited_ns)) / 1e6}}}});
    }
    return json::serialize(json::object{{"processes", std::move(processes)}});
}

}  // namespace lab
