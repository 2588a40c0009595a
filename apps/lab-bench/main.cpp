// lab-bench: the costs behind the lessons, measured with Google Benchmark.
//   switch/*    resuming a suspended coroutine vs a pool round trip vs fork+exit+wait
//   roundtrip/* one loopback request to /async, /pool, /blocking with zero sleep
//   memory/*    resident and virtual memory per in-flight request: coroutines vs threads
//   gil/*       the emulated GIL's handover between two threads
// Wall-clock work is timed by hand (UseManualTime) so a benchmark measures what it names.
#include "load/load_generator.hpp"
#include "model/clock.hpp"
#include "model/routes.hpp"
#include "process/process_memory.hpp"
#include "process/server_process.hpp"
#include "server/offload.hpp"
#include "workload/gil.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <httplib.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;

namespace {

std::string lab_binary;  // the concurrency-lab executable that serves

// Each iteration does n operations; the counter reports seconds per operation.
void per_operation(benchmark::State& state, std::int64_t n) {
    state.counters["s_per_op"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

// --- switch costs -----------------------------------------------------------------------

// The server's coroutine types (net/loop.hpp), so that the figures are the server's.
lab::loop_task<> yield_loop(std::int64_t n) {
    auto ex = co_await asio::this_coro::executor;
    for (std::int64_t i = 0; i < n; ++i) co_await asio::post(ex, lab::on_loop);
}

// Suspend a coroutine and resume it on the same loop: the cost of one `await`.
void switch_coroutine_resume(benchmark::State& state) {
    for (auto _ : state) {
        asio::io_context ctx(1);
        const std::int64_t n = 10'000;
        asio::co_spawn(ctx, yield_loop(n), asio::detached);
        auto t0 = lab::monotonic_ns();
        ctx.run();
        state.SetIterationTime(static_cast<double>(lab::monotonic_ns() - t0) / 1e9);
    }
    per_operation(state, 10'000);
}
BENCHMARK(switch_coroutine_resume)->UseManualTime()->Unit(benchmark::kMillisecond);

struct nothing_job {
    int operator()() const { return 0; }
};

lab::loop_task<> offload_loop(asio::thread_pool& pool, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) co_await lab::offload<int>(pool, nothing_job{});
}

// Hand a task to a pool thread and come back to the loop: what a `def` route pays.
void switch_pool_round_trip(benchmark::State& state) {
    asio::thread_pool pool(4);
    for (auto _ : state) {
        asio::io_context ctx(1);
        const std::int64_t n = 2'000;
        asio::co_spawn(ctx, offload_loop(pool, n), asio::detached);
        auto t0 = lab::monotonic_ns();
        ctx.run();
        state.SetIterationTime(static_cast<double>(lab::monotonic_ns() - t0) / 1e9);
    }
    per_operation(state, 2'000);
}
BENCHMARK(switch_pool_round_trip)->UseManualTime()->Unit(benchmark::kMillisecond);

// Start a process and wait for it to end: the floor under "one process per request".
void switch_fork_exit_wait(benchmark::State& state) {
    for (auto _ : state) {
        auto t0 = lab::monotonic_ns();
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(0);
        ::waitpid(pid, nullptr, 0);
        state.SetIterationTime(static_cast<double>(lab::monotonic_ns() - t0) / 1e9);
    }
}
BENCHMARK(switch_fork_exit_wait)->UseManualTime()->Unit(benchmark::kMicrosecond);

// --- loopback round trips ---------------------------------------------------------------

void roundtrip(benchmark::State& state, lab::route_id route) {
    const std::string path = std::string(lab::route(route).path) + "?ms=0";
    lab::server_process server(lab_binary, {});
    httplib::Client client("127.0.0.1", server.port());
    client.set_keep_alive(true);
    client.Get(path.c_str());  // connect outside the timed loop
    for (auto _ : state) {
        auto t0 = lab::monotonic_ns();
        auto res = client.Get(path.c_str());
        state.SetIterationTime(static_cast<double>(lab::monotonic_ns() - t0) / 1e9);
        if (!res || res->status != 200) state.SkipWithError("request failed");
    }
}
BENCHMARK_CAPTURE(roundtrip, async, lab::route_id::async)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(roundtrip, pool, lab::route_id::pool)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(roundtrip, blocking, lab::route_id::blocking)->UseManualTime()->Unit(benchmark::kMicrosecond);

// --- memory per in-flight request -------------------------------------------------------

long long vm_size_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmSize:", 0) == 0) return std::stoll(line.substr(7));
    return 0;
}

struct footprint {
    long long rss_kb, vm_kb;
};

footprint measure(pid_t pid) { return {lab::memory_of_tree(pid).front().rss_kb, vm_size_kb(pid)}; }

// Holds n requests of `ms` in flight against `route`, and measures the server meanwhile.
footprint in_flight(pid_t pid, int port, lab::route_id route, int n, int ms) {
    lab::load_options load;
    load.url = {"127.0.0.1", std::to_string(port), std::string(lab::route(route).path) + "?ms=" + std::to_string(ms)};
    load.requests = n;
    load.concurrency = n;
    std::thread client([&] { lab::run_load(load); });
    std::this_thread::sleep_for(std::chrono::milliseconds(ms / 2));
    auto f = measure(pid);
    client.join();
    return f;
}

// N suspended coroutines: one loop thread, N timers, N sessions.
void memory_coroutines(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    for (auto _ : state) {
        lab::server_process server(lab_binary, {"--pool-threads", "1"});
        auto idle = measure(server.pid());
        auto busy = in_flight(server.pid(), server.port(), lab::route_id::async, n, 1500);
        state.counters["rss_kb_per_request"] = static_cast<double>(busy.rss_kb - idle.rss_kb) / n;
        state.counters["vm_kb_per_request"] = static_cast<double>(busy.vm_kb - idle.vm_kb) / n;
    }
}
BENCHMARK(memory_coroutines)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

// N blocked threads: a pool of N, every thread inside a blocking sleep. Measured against
// a server with a pool of one, so the threads' own cost is counted.
void memory_threads(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    for (auto _ : state) {
        lab::server_process small(lab_binary, {"--pool-threads", "1"});
        auto idle = measure(small.pid());
        small.stop();
        lab::server_process server(lab_binary, {"--pool-threads", std::to_string(n)});
        auto busy = in_flight(server.pid(), server.port(), lab::route_id::pool, n, 1500);
        state.counters["rss_kb_per_request"] = static_cast<double>(busy.rss_kb - idle.rss_kb) / n;
        state.counters["vm_kb_per_request"] = static_cast<double>(busy.vm_kb - idle.vm_kb) / n;
    }
}
BENCHMARK(memory_threads)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

// --- the GIL ----------------------------------------------------------------------------

// Two threads passing the lock back and forth: one handover per acquire.
void gil_handover(benchmark::State& state) {
    for (auto _ : state) {
        lab::gil lock;
        const int n = 20'000;
        auto worker = [&] {
            for (int i = 0; i < n; ++i) {
                lock.acquire();
                lock.release();
            }
        };
        auto t0 = lab::monotonic_ns();
        std::thread a(worker), b(worker);
        a.join();
        b.join();
        state.SetIterationTime(static_cast<double>(lab::monotonic_ns() - t0) / 1e9);
    }
    per_operation(state, 2 * 20'000);
}
BENCHMARK(gil_handover)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    lab_binary = LAB_BINARY;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
