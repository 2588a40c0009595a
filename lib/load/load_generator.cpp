#include "load/load_generator.hpp"

#include "load/response_reader.hpp"
#include "load/server_fields.hpp"

#include "model/clock.hpp"
#include "net/io_deadlines.hpp"
#include "net/loop.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <map>
#include <latch>
#include <mutex>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <cerrno>
#include <thread>
#include <stdexcept>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using request_type = http::request<http::string_body>;

using client_socket = loop_socket;  // TCP or a unix socket (net/loop.hpp)
using client_endpoint = asio::generic::stream_protocol::endpoint;
// TLS over that socket, by reference: the socket, and the deadline watch that cancels it, outlive
// each TLS session (one per connection made).
using tls_stream = asio::ssl::stream<client_socket&>;

struct connection {
    connection(asio::io_context& ctx, io_deadlines& deadlines) : socket(ctx.get_executor()), watch(deadlines, socket) {}
    client_socket socket;
    std::optional<tls_stream> tls;  // https: this connection's session, made on each connect
    io_deadlines::watch watch;  // armed from a request's start to its response's end
    beast::flat_buffer buffer;
    std::string body;  // the last response's, its capacity kept for the next
    std::string timing;  // the last response's Server-Timing, likewise
    bool open = false;
    std::uint32_t served = 0;   // responses on the connection since it opened
    std::int64_t idle_since = 0;  // when its last response ended
    loop_timer* due = nullptr;  // the open loop's wait for the next send, while one is pending
};

// Read-only for every thread once the run starts.
struct run_setup {
    const load_options& options;
    std::vector<client_endpoint> endpoints;
    std::string request;  // serialized once by Beast: every request of a run is the same bytes
    asio::ssl::context* tls = nullptr;  // https: shared by every connection (OpenSSL's SSL_CTX is)
};

// One io_context thread and everything it owns: nothing here is shared on the hot path
// but `done`, which only its own thread writes (on its own cache line).
struct thread_lane {
    explicit thread_lane(std::chrono::nanoseconds timeout) : deadlines(ctx.get_executor(), timeout) {}
    // Everything of a lane is started before its thread runs and used on that thread alone, and
    // nothing is posted to it from elsewhere: neither the scheduler's lock nor the reactor's
    // per-socket locks guard anything (the server keeps its scheduler lock for the pool's hand-backs).
    asio::io_context ctx{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    io_deadlines deadlines;  // declared before the connections, whose watches it holds
    std::vector<std::unique_ptr<connection>> connections;
    std::vector<int> connection_index;  // each connection's index among all C
    std::vector<request_record> records;
    std::int64_t room = 0;  // requests this lane may still start (a bounded duration run's share of its limit)
    std::int64_t keep = 0;  // records this lane may still keep (its share of the kept records)
    folded_requests folded;
    std::vector<second_stats> series;
    int active = 0;  // coroutines of this run still going; the last one stops the sweep
    loop_timer* stop_tick = nullptr;  // watch_the_end's timer, cancelled when the last coroutine ends
    bool cancelling = false;  // an interrupted run is closing what is still in flight
    int cancelled = 0;
    int reconnects = 0;
    std::int64_t unsent = 0;
    std::map<int, std::string> failure_bodies;
    std::vector<request_states> states;
    alignas(64) std::atomic<std::uint64_t> done{0};
};

bool named(const header_list& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return beast::iequals(h.first, name); });
}

// The request every connection sends: the run's method, headers and body (checked by the
// command line and the scenario reader against request_parts.hpp), or a probe's plain GET with
// the run's headers (an API's token goes with it too).
request_type make_request(const load_options& o, const std::string& target, bool keep_alive, bool probe = false) {
    request_type req{http::verb::get, target, 11};
    if (!probe) req.method_string(o.method);
    const auto& url = o.url;
    // An IPv6 literal goes in brackets, as in the URL (RFC 9112 §3.2: Host is uri-host ":" port).
    const bool v6 = url.host.find(':') != std::string::npos;
    if (!named(o.headers, "Host"))
        req.set(http::field::host, (v6 ? "[" + url.host + "]" : url.host) + ":" + url.port);
    if (!named(o.headers, "User-Agent")) req.set(http::field::user_agent, "concurrency-lab");
    for (const auto& [name, value] : o.headers) req.insert(name, value);
    req.keep_alive(keep_alive);
    if (!probe) req.body() = o.body;
    req.prepare_payload();  // Content-Length: a POST's is 0 when it has no body
    return req;
}

std::string serialize(const request_type& req) {
    std::ostringstream bytes;
    bytes << req;
    return std::move(bytes).str();
}

void drop(connection& c) {
    beast::error_code ignored;
    c.socket.close(ignored);
    c.tls.reset();  // a session is not resumed on the next socket: each connect handshakes afresh
    c.open = false;
    c.buffer.clear();
}

// A new TLS session on c's socket: SNI and the name the certificate must carry (curl's checks).
void start_tls(connection& c, const run_setup& st) {
    c.tls.emplace(c.socket, *st.tls);
    const auto& host = st.options.url.host;
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    // SNI carries names only (RFC 6066 §3); the certificate is checked for the name or the address.
    if (ec) ::SSL_set_tlsext_host_name(c.tls->native_handle(), host.c_str());
    if (!st.options.tls.insecure) c.tls->set_verify_callback(asio::ssl::host_name_verification(host));
}

// Connects `c` under the deadline its caller armed (the handshake too, for https).
loop_task<bool> connect(connection& c, const run_setup& st) {
    auto [ec, endpoint] = co_await asio::async_connect(c.socket, st.endpoints, on_loop_tuple);
    if (ec) {
        drop(c);
        co_return false;
    }
    if (st.options.url.unix_socket.empty()) c.socket.set_option(tcp::no_delay(true), ec);
    if (st.tls) {
        start_tls(c, st);
        auto [handshake_ec] = co_await c.tls->async_handshake(asio::ssl::stream_base::client, on_loop_tuple);
        if (handshake_ec) {
            drop(c);
            co_return false;
        }
    }
    c.open = true;
    c.served = 0;
    co_return true;
}

// A connection idle this long is asked, before a request goes on it, whether the server closed
// it meanwhile (a keep-alive timeout): one system call, paid only after an idle pause.
constexpr std::int64_t idle_check_ns = 1'000'000;

// Whether the server closed (or spoke on) a kept-alive connection while it idled: EOF, an error,
// or bytes nobody asked for (a 408 before the close). Any of them: do not send on it.
bool closed_while_idle(connection& c) {
    char byte = 0;
    const auto n = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

error_kind io_failure(const connection& c) { return c.watch.expired() ? error_kind::timeout : error_kind::read; }

loop_task<> connect_only(connection& c, const run_setup& st) {
    if (c.open) co_return;
    c.watch.arm();
    co_await connect(c, st);
    c.watch.disarm();
}

// The schedule of one connection: its k-th request is request first + k·stride of the run. In
// an open loop, request i is due at t0 + i / rate, whether or not the last one has come back
// (wrk2's way of not letting a slow server slow the schedule down).
struct schedule {
    std::int64_t total;     // requests in the run; < 0: until the deadline (closed loop)
    std::int64_t deadline;  // CLOCK_MONOTONIC ns
    double ns_per_request;  // open loop: 1e9 / rate; 0: closed loop
    std::int64_t t0;
    std::int64_t first = 0;   // this connection's first request
    std::int64_t stride = 1;  // the run's connections
    std::size_t last_second = SIZE_MAX;  // of the per-second series (a closed loop's -d, less one)
    std::int64_t send_until = 0;  // an open loop's backlog is sent until then, no later (0: no bound)
};

// Where a connection's records go: its lane's, or the probe's own.
struct record_sink {
    std::vector<request_record>& records;
    std::atomic<std::uint64_t>& done;
    std::int64_t& room;  // counted down as requests start: a bounded run sends no more
    std::int64_t& keep;  // records still to keep; past them requests are folded
    folded_requests& folded;
    std::vector<second_stats>& series;
    const bool& cancelling;  // true once an interrupted run closes its connections
    int& cancelled;
    int& reconnects;
    std::int64_t& unsent;  // an open loop's scheduled requests it gave up sending
    std::map<int, std::string>& failure_bodies;
    std::vector<request_states>& states;  // of kept records only, at most max_state_records

    void take(request_record rec, std::int64_t t0_ns, std::size_t last_second) {
        add_to_series(series, t0_ns, rec, last_second);
        if (keep > 0) {
            --keep;
            records.push_back(rec);
        } else {
            folded.add(rec);
        }
        done.fetch_add(1, std::memory_order_relaxed);
    }
};

// A lane's own records and counts, where its connections' workers put theirs.
record_sink sink_of(thread_lane& lane) {
    return {lane.records,    lane.done,      lane.room,       lane.keep,   lane.folded,         lane.series,
            lane.cancelling, lane.cancelled, lane.reconnects, lane.unsent, lane.failure_bodies, lane.states};
}

// Response heads up to this size are read (Beast's default is 8 KiB; curl and wrk take more).
constexpr std::uint32_t max_header_bytes = 64 * 1024;

// After a failed connect a connection waits before its next attempt — 10 ms, doubling to
// 1 s while the failures go on — so a dead server is not hammered in a tight loop (45 000
// attempts a second) and a duration run does not fill with connect failures.
std::chrono::milliseconds connect_backoff(int failures_in_a_row) {
    return std::chrono::milliseconds(std::min(1000, 10 << std::min(failures_in_a_row - 1, 7)));
}

// Whether this connection's next request, its i-th, is past the schedule: the count sent, the
// duration over, the room used up, or an open loop's backlog given up (counted as unsent).
bool schedule_over(const schedule& plan, std::int64_t i, record_sink& sink) {
    if (plan.total >= 0 && i >= plan.total) return true;
    if (plan.total < 0 && monotonic_ns() >= plan.deadline) return true;
    if (plan.send_until > 0 && monotonic_ns() >= plan.send_until) {
        sink.unsent += (plan.total - i + plan.stride - 1) / plan.stride;  // this connection's share of the rest
        return true;
    }
    return sink.room <= 0;
}

// Beast's parser fed by hand, as http::read does it: whatever the buffer holds goes to the
// parser, and the socket is read only when the parser needs more (true). Not http::async_read:
// its two layers of composed operations cost 440 instructions per request (callgrind).
bool feed(response_reader& parser, connection& c, std::size_t& read_n, beast::error_code& ec) {
    while (!ec && c.buffer.size() > 0) {
        const auto used = parser.put(c.buffer.data(), ec);
        c.buffer.consume(used);
        read_n += used;
        if (parser.is_done()) return false;
        if (ec == http::error::need_more) ec = {};
        if (ec || used == 0 || c.buffer.size() == 0) break;  // else the body may follow at once
    }
    return !ec;
}

// A final response read whole: its status and size into the record. True when its body is
// kept whole in c.body, for the server's fields.
bool take_response(const response_reader& parser, std::size_t read_n, connection& c, request_record& rec) {
    rec.status = parser.status();
    rec.bytes = read_n;
    rec.body_bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(parser.body_size(), UINT32_MAX));
    if (rec.status < 200 || rec.status > 299) rec.error = error_kind::status;
    ++c.served;
    const bool kept = parser.body_whole();
    if (!parser.keep_alive()) drop(c);
    return kept;
}

loop_task<> wait_until(loop_timer& due, std::int64_t monotonic_ns_at) {
    due.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(monotonic_ns_at)));
    co_await due.async_wait(on_loop_tuple);
}

// After connect failures in a row: the backoff, cut short at a duration run's deadline.
loop_task<> back_off(loop_timer& due, int failures, const schedule& plan) {
    auto until = std::chrono::steady_clock::now() + connect_backoff(failures);
    if (plan.total < 0)
        until = std::min(until, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(plan.deadline)));
    due.expires_at(until);
    co_await due.async_wait(on_loop_tuple);
}

// Marks on this machine's clock fall inside the request's own span (the server reads after the
// send and is done before the answer is read); a server on another machine's clock does not.
bool within_request(const request_states& st, const request_record& rec) {
    return st.count > 0 && st.marks[0].at_ns >= rec.start_ns - 1'000'000 && st.marks[st.count - 1].at_ns <= rec.end_ns + 1'000'000;
}

// A finished request into the sink, with the server's fields read after the clock stopped
// (what the server says about itself is not part of the request's time). One cut off by an
// interruption or the end of -d is counted as cancelled, not failed by the server.
void record(request_record& rec, bool body_kept, const connection& c, record_sink& sink, const schedule& plan) {
    if (sink.cancelling && rec.error != error_kind::none) {
        ++sink.cancelled;
        return;
    }
    if (body_kept) read_server_fields(c.body, rec);
    // What a server said when it refused: kept once per status (a map lookup on failures only).
    if (rec.error == error_kind::status && !sink.failure_bodies.contains(rec.status))
        sink.failure_bodies.emplace(rec.status, c.body.substr(0, 200));
    // Server-Timing, where the server sent it, is preferred to the body's fields (DESIGN.md §8).
    if (rec.status != 0 && !c.timing.empty()) {
        read_server_timing(c.timing, rec);
        // Its way through the server, for a record that is kept (a replay of the first ones).
        request_states st;
        if (sink.keep > 0 && sink.states.size() < max_state_records && read_server_states(c.timing, st) &&
            within_request(st, rec)) {
            sink.states.push_back(st);
            rec.states = static_cast<std::uint32_t>(sink.states.size());
        }
    }
    sink.take(rec, plan.t0, plan.last_second);
}

// Every request of one connection, each sent when the last is answered (or when due). The
// deadline covers connect, write and read together; when it expires the sweep cancels the
// pending operation and the connection is closed, which really cancels the request.
//
// One request's exchange is written out here rather than awaited as a coroutine of its own:
// a nested coroutine frame per request cost 700 instructions (callgrind), a tenth of the client's;
// measured again with the exchange split out (connect, write, read): 5 470 instructions a
// request against 5 190 inline, +6 %, so it stays inline and the steps around it are helpers.
loop_task<> worker(connection& c, const run_setup& st, const std::string& request, schedule plan, record_sink sink,
                   bool head = false) {
    loop_timer due(c.socket.get_executor());
    c.due = &due;
    const auto stopped = [&] { return st.options.stop && st.options.stop->load(std::memory_order_relaxed) != 0; };
    int connect_failures = 0;  // in a row
    for (std::int64_t i = plan.first;; i += plan.stride) {
        if (schedule_over(plan, i, sink) || stopped()) break;
        // Waits only a failing connection or an open loop makes (no frame on a closed loop's path).
        if (connect_failures > 0) {
            co_await back_off(due, connect_failures, plan);
            if (stopped() || sink.cancelling || (plan.total < 0 && monotonic_ns() >= plan.deadline)) break;
        }
        --sink.room;
        request_record rec;
        if (plan.ns_per_request > 0) {
            rec.planned_ns = plan.t0 + static_cast<std::int64_t>(static_cast<double>(i) * plan.ns_per_request);
            if (rec.planned_ns > monotonic_ns()) co_await wait_until(due, rec.planned_ns);
            if (stopped()) break;
        }
        rec.start_ns = monotonic_ns();
        // A request is sent once, never again: a server that may have started it (and died, or
        // closed) could run a POST twice. What is checked is the connection, before sending.
        if (c.open && c.served > 0 && rec.start_ns - c.idle_since >= idle_check_ns && closed_while_idle(c)) {
            drop(c);
            ++sink.reconnects;
        }
        c.watch.arm();
        bool body_kept = false;  // a response arrived and its whole body is in c.body
        beast::error_code ec;
        bool connected = c.open || co_await connect(c, st);
        // asio::async_write's loop, awaited write by write: its composed operation cost 250
        // instructions per request (callgrind), and a request is one write nearly always.
        for (std::size_t sent = 0; connected && !ec && sent < request.size();) {
            const auto rest = asio::buffer(request) + sent;
            auto [write_ec, n] = c.tls ? co_await c.tls->async_write_some(rest, on_loop_tuple)
                                       : co_await c.socket.async_write_some(rest, on_loop_tuple);
            ec = write_ec;
            sent += n;
        }
        if (!connected) {
            rec.error = error_kind::connect;
        } else if (ec) {
            rec.error = io_failure(c);
            drop(c);
        } else {
            std::size_t read_n = 0;
            // 1xx interim responses (100 Continue, 103 Early Hints) come before the final
            // one: each is read and skipped.
            for (bool interim = true; interim;) {
                response_reader parser(c.body, c.timing);
                parser.header_limit(max_header_bytes);
                parser.body_limit(boost::none);  // any length is read and counted, as wrk does; only a bounded head of it is kept
                if (head) parser.skip(true);  // a response to HEAD has no body, whatever its Content-Length says
                while (feed(parser, c, read_n, ec)) {
                    const auto room = c.buffer.prepare(4096);
                    auto [read_ec, n] = c.tls ? co_await c.tls->async_read_some(room, on_loop_tuple)
                                              : co_await c.socket.async_read_some(room, on_loop_tuple);
                    c.buffer.commit(n);
                    if (read_ec == asio::error::eof && parser.got_some()) parser.put_eof(ec);  // a body ended by close
                    else ec = read_ec;
                    if (!ec && parser.is_done()) break;
                }
                interim = !ec && parser.status() >= 100 && parser.status() < 200 && parser.status() != 101;
                if (!ec && !interim) body_kept = take_response(parser, read_n, c, rec);
            }
            if (ec) {
                rec.error = io_failure(c);
                drop(c);
            }
        }
        rec.end_ns = monotonic_ns();
        c.idle_since = rec.end_ns;
        c.watch.disarm();
        connect_failures = rec.error == error_kind::connect ? connect_failures + 1 : 0;
        record(rec, body_kept, c, sink, plan);
    }
    c.due = nullptr;
}

loop_task<> pause(loop_timer& timer, std::chrono::nanoseconds wait) {
    timer.expires_after(wait);
    co_await timer.async_wait(on_loop_tuple);
}

// Ends what is still in flight when the run must stop: at a closed loop's -d deadline at
// once, after an interruption once the requests in flight had stop_grace_ms to finish.
// Their connections are closed (which cancels them) and any wait for a planned send is cut
// short. Runs on the lane's own thread, like everything of the lane.
loop_task<> watch_the_end(thread_lane& lane, const std::atomic<int>* stop, std::int64_t deadline) {
    using namespace std::chrono;
    loop_timer tick(lane.ctx.get_executor());
    lane.stop_tick = &tick;
    const auto stopped = [&] { return stop && stop->load(std::memory_order_relaxed) != 0; };
    for (;;) {
        const std::int64_t now = monotonic_ns();
        if (lane.active == 0 || stopped() || (deadline > 0 && now >= deadline)) break;
        const auto step = deadline > 0 ? std::clamp(nanoseconds(deadline - now), nanoseconds(1), nanoseconds(20ms))
                                       : nanoseconds(20ms);
        co_await pause(tick, step);
    }
    if (stopped())
        for (int waited = 0; lane.active > 0 && waited < stop_grace_ms; waited += 20) co_await pause(tick, 20ms);
    lane.stop_tick = nullptr;
    if (lane.active == 0) co_return;
    lane.cancelling = true;
    for (auto& c : lane.connections) {
        if (c->due) c->due->cancel();
        drop(*c);
    }
}

loop_task<> send_probe(thread_lane& lane, const run_setup& st, std::optional<request_record>& rec) {
    const auto& probe = *st.options.probe;
    loop_timer delay(lane.ctx.get_executor(), std::chrono::microseconds(static_cast<long long>(probe.after_ms * 1000)));
    co_await delay.async_wait(on_loop_tuple);
    connection c(lane.ctx, lane.deadlines);  // a fresh visitor: its own connection, as a new user would have
    std::vector<request_record> one;
    std::atomic<std::uint64_t> done{0};
    std::int64_t room = 1, keep = 1;
    folded_requests unused;
    std::vector<second_stats> not_in_the_series;  // the probe is apart from the load
    std::vector<request_states> no_states;
    co_await worker(c, st, serialize(make_request(st.options, probe.target, false, true)), schedule{1, 0, 0, 0},
                    {one, done, room, keep, unused, not_in_the_series, lane.cancelling, lane.cancelled,
                     lane.reconnects, lane.unsent, lane.failure_bodies, no_states});
    if (!one.empty()) one.front().states = 0;
    if (!one.empty()) rec = one.front();  // empty: cut off by an interruption
    drop(c);
}

// Starts `task` on `lane` as one of the run's coroutines; the lane's deadline sweep runs
// until the last of them ends (see run_lanes).
void spawn_on(thread_lane& lane, loop_task<> task) {
    ++lane.active;
    asio::co_spawn(
        lane.ctx,
        [](thread_lane& l, loop_task<> t) -> loop_task<> {
            co_await std::move(t);
            if (--l.active == 0) {
                l.deadlines.stop();
                if (l.stop_tick) l.stop_tick->cancel();
            }
        }(lane, std::move(task)),
        asio::detached);
}

// Runs every lane's io_context on its own thread; the caller's thread reports progress.
// `begin` runs on the caller's thread once every lane's thread exists and waits at the start
// line, and returns when its window opened: a window opened before the threads were made
// counted their making (up to 21.7 ms for one request under load, against a 3.7 ms latency).
void run_lanes(std::vector<std::unique_ptr<thread_lane>>& lanes, const load_options& options,
               const std::function<std::int64_t(int lanes_running)>& begin) {
    std::mutex m;
    std::condition_variable finished;
    std::size_t running = lanes.size();
    std::latch at_start(static_cast<std::ptrdiff_t>(lanes.size()) + 1);
    std::latch go(1);
    std::atomic<int> running_lanes{0};  // counted by the threads themselves, for on_window_open
    std::vector<std::thread> threads;
    for (auto& lane : lanes)
        threads.emplace_back([&, l = lane.get()] {
            running_lanes.fetch_add(1);
            at_start.count_down();
            go.wait();
            l->ctx.run();
            std::lock_guard lock(m);
            --running;
            finished.notify_one();
        });
    at_start.arrive_and_wait();
    std::int64_t t0 = 0;
    try {
        t0 = begin(running_lanes.load());
    } catch (...) {
        go.count_down();  // nothing was spawned: each thread's run() returns at once
        for (auto& t : threads) t.join();
        throw;
    }
    for (auto& lane : lanes)
        if (lane->active > 0) asio::co_spawn(lane->ctx, lane->deadlines.sweep(), asio::detached);
    go.count_down();
    {
        std::unique_lock lock(m);
        while (running > 0) {
            finished.wait_for(lock, std::chrono::milliseconds(250));
            if (running > 0 && options.on_progress) {
                load_progress p;
                for (auto& lane : lanes) p.done += lane->done.load(std::memory_order_relaxed);
                p.elapsed_s = static_cast<double>(monotonic_ns() - t0) / 1e9;
                lock.unlock();
                options.on_progress(p);
                lock.lock();
            }
        }
    }
    for (auto& t : threads) t.join();
    for (auto& lane : lanes) lane->ctx.restart();
}

// Every address the name has, in order (async_connect tries each): not Asio's default
// AI_ADDRCONFIG, which drops ::1 for `localhost` on a machine whose only IPv6 is loopback.
// A unix socket is the one address, whatever the host (which names the Host header only).
std::vector<client_endpoint> resolve(const target_url& url) {
    if (!url.unix_socket.empty()) {
        if (url.unix_socket.size() >= sizeof(sockaddr_un::sun_path))
            throw std::runtime_error(fmt::format("unix socket path is longer than {} bytes: {}",
                                                 sizeof(sockaddr_un::sun_path) - 1, url.unix_socket));
        return {client_endpoint(asio::local::stream_protocol::endpoint(url.unix_socket))};
    }
    asio::io_context resolve_ctx(1);
    tcp::resolver resolver(resolve_ctx);
    beast::error_code ec;
    auto found = resolver.resolve(url.host, url.port, tcp::resolver::numeric_service, ec);
    if (ec) throw std::runtime_error("cannot resolve " + url.host + ": " + ec.message());
    std::vector<client_endpoint> endpoints;
    for (const auto& e : found) endpoints.emplace_back(e.endpoint());
    return endpoints;
}

// https: the run's trust, set once. OpenSSL's own defaults otherwise (TLS 1.2 and 1.3).
std::unique_ptr<asio::ssl::context> tls_context(const load_options& o) {
    if (!o.url.tls) return nullptr;
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    beast::error_code ec;
    if (o.tls.insecure) {
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer);
    if (!o.tls.cacert.empty()) ctx->load_verify_file(o.tls.cacert, ec);
    else ctx->set_default_verify_paths(ec);
    if (ec)
        throw std::runtime_error(o.tls.cacert.empty() ? "cannot load the system's certificate store: " + ec.message()
                                                      : fmt::format("cannot load --cacert {}: {}", o.tls.cacert, ec.message()));
    return ctx;
}

// Before an https run: one connection and handshake, so that a certificate the run does not
// trust is one clear error, not N failed connects. A server that does not answer is left to the
// run (it is counted there, as over http).
void check_trust(const run_setup& st) {
    if (!st.tls) return;
    asio::io_context ctx(1);
    io_deadlines deadlines(ctx.get_executor(), std::chrono::seconds(5));
    connection c(ctx, deadlines);
    std::string failure;
    asio::co_spawn(ctx, [&]() -> loop_task<> {
        auto [ec, endpoint] = co_await asio::async_connect(c.socket, st.endpoints, on_loop_tuple);
        if (!ec) {
            start_tls(c, st);
            auto [handshake_ec] = co_await c.tls->async_handshake(asio::ssl::stream_base::client, on_loop_tuple);
            if (handshake_ec && handshake_ec.category() == asio::error::get_ssl_category()) failure = handshake_ec.message();
        }
        deadlines.stop();
        drop(c);
    }, asio::detached);
    c.watch.arm();
    asio::co_spawn(ctx, deadlines.sweep(), asio::detached);
    ctx.run();
    if (!failure.empty())
        throw std::runtime_error(fmt::format("TLS handshake with {} failed: {}{}", st.options.url.host, failure,
                                             failure.find("certificate") != std::string::npos
                                                 ? " (trust its CA with --cacert FILE, or skip the check with --insecure)"
                                                 : ""));
}

// One lane per client thread, the connections dealt round them.
std::vector<std::unique_ptr<thread_lane>> make_lanes(const load_options& options) {
    const std::chrono::nanoseconds timeout(static_cast<long long>(options.timeout_s * 1e9));
    const int connections = connections_for(options);
    const int thread_count = std::clamp(options.threads, 1, connections);
    std::vector<std::unique_ptr<thread_lane>> lanes;
    for (int t = 0; t < thread_count; ++t) lanes.push_back(std::make_unique<thread_lane>(timeout));
    for (int c = 0; c < connections; ++c) {
        auto& lane = *lanes[static_cast<std::size_t>(c % thread_count)];
        lane.connections.push_back(std::make_unique<connection>(lane.ctx, lane.deadlines));
        lane.connection_index.push_back(c);
    }
    return lanes;
}

// How many requests, at what pace: a count, a closed loop's duration, or an open loop's rate.
schedule plan_for(const load_options& options) {
    schedule plan{options.requests, 0, 0, 0};
    if (options.rate > 0) {
        plan.ns_per_request = 1e9 / options.rate;
        if (options.duration_s > 0) plan.total = std::max<std::int64_t>(1, std::llround(options.rate * options.duration_s));
    } else if (options.duration_s > 0) {
        plan.total = -1;
    }
    if (options.record_limit > 0 && plan.total > options.record_limit)
        throw std::invalid_argument(fmt::format("rate × duration schedules {} requests, more than the {} one run records",
                                                plan.total, options.record_limit));
    if (options.rate > 0 && plan.total > max_scheduled_requests)
        throw std::invalid_argument(fmt::format("rate × duration schedules {} requests, more than the {} one open loop "
                                                "may schedule",
                                                plan.total, max_scheduled_requests));
    return plan;
}

// Each lane keeps an equal share of the records; past it, requests are folded. Only a bounded
// duration run (every record kept, up to the limit: --detail) stops at its share.
void share_records(std::vector<std::unique_ptr<thread_lane>>& lanes, const schedule& plan, const load_options& options) {
    const bool bounded = options.record_limit > 0;
    const auto thread_count = static_cast<std::int64_t>(lanes.size());
    const std::int64_t kept = bounded ? options.record_limit : options.keep_records;
    // A count that fits is kept whole, however unevenly the lanes share it.
    const bool fits = plan.total >= 0 && (bounded || plan.total <= kept);
    for (auto& lane : lanes) {
        lane->keep = fits ? plan.total : std::max<std::int64_t>(1, kept / thread_count);
        lane->room = plan.total >= 0 ? plan.total
                     : bounded       ? lane->keep
                                     : std::numeric_limits<std::int64_t>::max();
        // Reserved up front, so a growing vector never holds its old and new copies at once: a run
        // of 10 M records peaked at 1.7 GB resident that way, 1.35 GB reserved. A duration run's
        // share is address space only; pages become resident as records fill them.
        lane->records.reserve(static_cast<std::size_t>(
            plan.total >= 0 ? std::min(plan.total / thread_count + 1, lane->keep) : lane->keep));
    }
}

// The timed window opens now: its deadline, a duration run's last second, an open loop's
// last send. An open loop drains its backlog, but not for ever: a server far slower than the
// rate would keep it sending for hours. Past -d, it sends for at most another -d (1 s at least).
void open_window(schedule& plan, const load_options& options) {
    plan.t0 = monotonic_ns();
    plan.deadline = plan.t0 + static_cast<std::int64_t>(options.duration_s * 1e9);
    if (plan.total < 0) plan.last_second = static_cast<std::size_t>(std::max(1.0, std::ceil(options.duration_s)) - 1);
    if (plan.ns_per_request > 0 && options.duration_s > 0)
        plan.send_until = plan.deadline + static_cast<std::int64_t>(std::max(options.duration_s, 1.0) * 1e9);
}

// Every connection's worker, each with its share of the schedule, and the probe.
void start_workers(std::vector<std::unique_ptr<thread_lane>>& lanes, const run_setup& st, const schedule& plan,
                   std::optional<request_record>& probe_record) {
    const int connections = connections_for(st.options);
    for (auto& lane : lanes)
        for (std::size_t i = 0; i < lane->connections.size(); ++i) {
            schedule mine = plan;
            mine.first = lane->connection_index[i];
            mine.stride = connections;
            spawn_on(*lane, worker(*lane->connections[i], st, st.request, mine, sink_of(*lane),
                                   beast::iequals(st.options.method, "HEAD")));
        }
    if (st.options.probe) spawn_on(*lanes.front(), send_probe(*lanes.front(), st, probe_record));
}

// The lanes' counts and records into one run, each lane's records let go as they are gathered
// (at the record limit they are 1.1 GB), in one order for every report: by when each request
// was due (open loop) or sent.
void gather(std::vector<std::unique_ptr<thread_lane>>& lanes, load_run& run) {
    for (auto& lane : lanes) {
        run.cancelled += lane->cancelled;
        run.reconnects += lane->reconnects;
        run.unsent += lane->unsent;
        run.failure_bodies.merge(lane->failure_bodies);
        run.folded.merge(lane->folded);
        merge_series(run.per_second, lane->series);
    }
    run.requests = std::move(lanes.front()->records);
    run.states = std::move(lanes.front()->states);
    for (std::size_t l = 1; l < lanes.size(); ++l) {
        // A record's states index is its lane's: moved past the lanes gathered before it.
        const auto base = static_cast<std::uint32_t>(run.states.size());
        for (auto& rec : lanes[l]->records)
            if (rec.states) rec.states += base;
        run.states.insert(run.states.end(), lanes[l]->states.begin(), lanes[l]->states.end());
        run.requests.insert(run.requests.end(), lanes[l]->records.begin(), lanes[l]->records.end());
        std::vector<request_record>().swap(lanes[l]->records);
    }
    std::sort(run.requests.begin(), run.requests.end(), [](const auto& a, const auto& b) {
        return (a.planned_ns ? a.planned_ns : a.start_ns) < (b.planned_ns ? b.planned_ns : b.start_ns);
    });
}

}  // namespace

load_run run_load(const load_options& options) {
    const auto tls = tls_context(options);
    run_setup st{options, resolve(options.url), serialize(make_request(options, options.url.target, !options.connection_close)),
                 tls.get()};
    check_trust(st);
    auto lanes = make_lanes(options);
    schedule plan = plan_for(options);
    share_records(lanes, plan, options);
    if (!options.cold && !options.connection_close) {
        // Warm: connections open before the timed window, so it measures requests only.
        run_lanes(lanes, {}, [&](int) {
            for (auto& lane : lanes)
                for (auto& c : lane->connections) spawn_on(*lane, connect_only(*c, st));
            return monotonic_ns();
        });
    }
    load_run run;
    std::optional<request_record> probe_record;  // stays empty if an interruption came first
    run_lanes(lanes, options, [&](int lanes_running) {
        open_window(plan, options);
        if (options.on_window_open) options.on_window_open(lanes_running);
        start_workers(lanes, st, plan, probe_record);
        // A closed loop for a duration ends at its deadline; an open loop drains what it scheduled
        // (each request bounded by the timeout), as wrk2 does not (it drops the backlog).
        const std::int64_t end_at = plan.total < 0 ? plan.deadline : 0;
        if (options.stop || end_at > 0)
            for (auto& lane : lanes)
                if (lane->active > 0)
                    asio::co_spawn(lane->ctx, watch_the_end(*lane, options.stop, end_at), asio::detached);
        return plan.t0;
    });
    run.t0_ns = plan.t0;
    run.t1_ns = monotonic_ns();
    run.interrupted = options.stop && options.stop->load() != 0;
    run.record_limit_reached = options.record_limit > 0 && plan.total < 0 &&
                               std::any_of(lanes.begin(), lanes.end(), [](const auto& l) { return l->room == 0; });
    gather(lanes, run);
    run.probe = probe_record;
    return run;
}

}  // namespace lab
