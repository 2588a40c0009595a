#include "server/server.hpp"

#include "db/pg_pool.hpp"
#include "model/clock.hpp"

#include "net/io_deadlines.hpp"
#include "server/head_cache.hpp"
#include "server/lag_monitor.hpp"
#include "server/listener.hpp"
#include "server/routes.hpp"
#include "server/supervisor.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <tuple>
#include <chrono>
#include <memory>
#include <string>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/un.h>
#include <functional>
#include <thread>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t header_limit = 8 * 1024;
// Beast is let read heads up to this size, so that one over header_limit can be told apart:
// a long target is 414, long fields are 431 (Beast reports both as one header_limit error).
constexpr std::size_t head_read_limit = 64 * 1024;
constexpr std::size_t body_limit = 1024 * 1024;

// A head read whole but over header_limit: 414 when the target is what is long, else 431.
// Only looked at when more than header_limit bytes were read, so a usual request pays nothing.
std::optional<http::status> head_over_limit(const http::request<http::string_body>& req) {
    if (req.target().size() > header_limit) return http::status::uri_too_long;
    std::size_t fields = 0;
    for (const auto& f : req) fields += f.name_string().size() + f.value().size() + 4;
    if (req.target().size() + fields > header_limit) return http::status::request_header_fields_too_large;
    return std::nullopt;
}

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// Which status tells a client that its request could not be read, or none (just close).
std::optional<http::status> status_for_read_error(const beast::error_code& ec) {
    if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
    if (ec == http::error::body_limit) return http::status::payload_too_large;
    // A client that hung up, cleanly or mid-request, gets no answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
    if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return http::status::bad_request;
    return std::nullopt;
}

// What every connection on this loop shares; all of it is touched by the loop thread only.
struct loop_context {
    server_state& state;
    io_deadlines& deadlines;
    head_cache& heads;
};

// Opened by a session once its first request has been read (or it ended), so the accept
// loop can wait for that before taking the next connection (see accept_loop).
using accept_gate = std::shared_ptr<loop_timer>;

void open_gate(accept_gate& gate) {
    if (gate) gate->cancel();
    gate.reset();
}

loop_task<> session(loop_socket socket, loop_context& loop, accept_gate gate) {
    io_deadlines::watch watch(loop.deadlines, socket);
    beast::flat_buffer buffer;
    beast::flat_buffer out;
    reply answer;  // one for the connection: its body keeps its capacity between requests
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(head_read_limit);
        parser.body_limit(body_limit);
        watch.arm();
        auto [read_ec, read_n] = co_await http::async_read_header(socket, buffer, parser, on_loop_tuple);
        const std::size_t head_n = read_n;
        if (!read_ec && !parser.is_done()) {
            // A body follows. A client that asked to be told first (Expect: 100-continue, as
            // curl does for larger bodies) waits for the interim answer before sending it.
            if (beast::iequals(parser.get()[http::field::expect], "100-continue"))
                co_await asio::async_write(socket, asio::buffer(continue_line), on_loop_tuple);
            std::tie(read_ec, read_n) = co_await http::async_read(socket, buffer, parser, on_loop_tuple);
        }
        // No deadline while the handler runs: a 60 s sleep is a legal request.
        watch.disarm();
        open_gate(gate);
        unsigned version = 11;
        answer.route = route_id::unread;
        answer.head_only = false;
        answer.timing.clear();
        answer.states.count = 0;
        if (read_ec) {
            auto status = status_for_read_error(read_ec);
            if (!status) break;
            set_error(answer, *status, read_ec.message());
            answer.keep_alive = false;
        } else if (auto too_long = head_n > header_limit ? head_over_limit(parser.get()) : std::nullopt) {
            set_error(answer, *too_long, *too_long == http::status::uri_too_long ? "request target too long"
                                                                                 : "header fields too large");
            answer.keep_alive = false;
        } else if (parser.get().version() == 11 && parser.get().find(http::field::host) == parser.get().end()) {
            // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
            set_error(answer, http::status::bad_request, "an HTTP/1.1 request needs a Host header");
            answer.keep_alive = false;
        } else {
            if (!answer_at_once(parser.get(), loop.state, answer)) {
                // Read just now: from here the request runs on the loop (DESIGN.md §11).
                answer.mark(request_state::running, monotonic_ns());
                co_await handle_request(parser.get(), loop.state, answer);
                answer.mark(request_state::done, monotonic_ns());
                add_states(answer);
            }
            answer.keep_alive = parser.get().keep_alive();
            answer.head_only = parser.get().method() == http::verb::head;
            version = parser.get().version();
        }
        // The whole response goes out as one buffer in one write: copied once, it is not
        // walked again by every layer of a composed Beast write.
        loop.state.meter.request(answer.route, static_cast<unsigned>(answer.status));
        loop.heads.serialize(answer, version, out);
        watch.arm();  // the client must take the response in time
        auto [write_ec, write_n] = co_await asio::async_write(socket, out.data(), on_loop_tuple);
        watch.disarm();
        out.consume(out.size());
        if (write_ec || !answer.keep_alive) break;
    }
    open_gate(gate);
    beast::error_code ignored;
    socket.shutdown(loop_socket::shutdown_send, ignored);
}

loop_task<> accept_loop(loop_acceptor& acceptor, loop_context& loop, std::chrono::microseconds gate_limit) {
    auto executor = acceptor.get_executor();
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(on_loop_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {
            // Out of descriptors or a transient error: back off instead of spinning.
            loop_timer pause(executor, std::chrono::milliseconds(10));
            co_await pause.async_wait(on_loop_tuple);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);  // a unix socket has no Nagle to turn off: ec, ignored
        accept_gate gate;
        if (gate_limit.count() > 0) gate = std::make_shared<loop_timer>(executor, gate_limit);
        asio::co_spawn(executor, session(std::move(socket), loop, gate), asio::detached);
        if (gate) {
            // Prefork workers share one accept queue. A worker that drained it at once
            // would take every simultaneous connection, then serve them one by one while
            // its siblings idle. With the gate it takes the next connection only once this
            // one's first request is in (or the limit passed): a worker about to block on
            // CPU work leaves the queue to its siblings.
            co_await gate->async_wait(on_loop_tuple);
        } else {
            co_await asio::post(executor, on_loop);  // let the session start first
        }
    }
}

// The unix socket file this server made (serve --unix-socket), removed as it stops: from the
// stop handler too, which exits at once (unlink is async-signal-safe). Empty: none.
char own_socket[sizeof(sockaddr_un::sun_path)] = {};

void remove_own_socket() {
    if (own_socket[0] != '\0') ::unlink(own_socket);
}

#if defined(__SANITIZE_ADDRESS__)
// Under ASan a server must not leave by _exit alone, which skips LeakSanitizer: the handler wakes
// a thread that runs the leak check — not from the handler, which may have interrupted malloc —
// and exits 23 (LSan's own code) when it found one, so the driver sees a failed server.
int stop_pipe[2] = {-1, -1};

extern "C" void exit_at_once(int) {
    const char byte = 1;
    if (stop_pipe[1] < 0 || ::write(stop_pipe[1], &byte, 1) != 1) {
        remove_own_socket();
        ::_exit(0);
    }
}

void start_leak_checker() {
    if (stop_pipe[0] >= 0 || ::pipe2(stop_pipe, O_CLOEXEC) != 0) return;
    std::thread([] {
        char byte = 0;
        while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
        }
        remove_own_socket();
        ::_exit(__lsan_do_recoverable_leak_check() != 0 ? 23 : 0);
    }).detach();
}
#else
extern "C" void exit_at_once(int) {
    remove_own_socket();
    ::_exit(0);
}
void start_leak_checker() {}
#endif

// Stop at once on SIGINT/SIGTERM, from the signal handler itself: a handler queued on the
// loop would wait behind a blocking /blocking or /cpu call — the very thing this lab
// demonstrates — and a server told to stop (or whose driver died) must not linger.
// Nothing needs flushing: responses are written as they complete.
void install_stop_handler() {
    start_leak_checker();
    struct sigaction stop {};
    stop.sa_handler = exit_at_once;
    sigemptyset(&stop.sa_mask);
    for (int sig : {SIGINT, SIGTERM}) ::sigaction(sig, &stop, nullptr);
}

}  // namespace

void announce_ready(const server_options& options, int port) {
    if (!options.quiet && !options.unix_socket.empty()) {
        fmt::print(stderr, "concurrency-lab: listening on unix socket {}, pid {}\n", options.unix_socket, ::getpid());
        std::fflush(stderr);
    } else if (!options.quiet) {
        const bool v6 = options.host.find(':') != std::string::npos;
        fmt::print(stderr, "concurrency-lab: listening on http://{}{}{}:{}, pid {}\n", v6 ? "[" : "", options.host,
                   v6 ? "]" : "", port, ::getpid());
        std::fflush(stderr);
    }
    if (options.ready_fd < 0) return;
    auto line = std::to_string(port) + "\n";
    [[maybe_unused]] auto n = ::write(options.ready_fd, line.data(), line.size());
    ::close(options.ready_fd);
}

void serve_on(int listen_fd, const server_options& options, const std::function<void()>& ready) {
    // One loop thread: the point of the lab. Every socket and timer is used on that thread alone
    // (the pool hands results back by posting to the loop, which stays locked), so the reactor's
    // per-socket locks guard nothing: about 3 % of the server's instructions per /health request.
    asio::io_context ctx(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
    loop_acceptor acceptor(ctx.get_executor());
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    acceptor.assign(asio::generic::stream_protocol(addr.ss_family, addr.ss_family == AF_UNIX ? 0 : IPPROTO_TCP), listen_fd);

    server_state state(options);
    install_stop_handler();
    io_deadlines deadlines(ctx.get_executor(), state.io_timeout);
    head_cache heads;
    loop_context loop{state, deadlines, heads};
    asio::co_spawn(ctx, deadlines.sweep(), asio::detached);
    if (options.lag_interval_us > 0)
        asio::co_spawn(ctx, watch_loop_lag(state, std::chrono::microseconds(options.lag_interval_us)), asio::detached);
    asio::co_spawn(ctx, accept_loop(acceptor, loop, std::chrono::microseconds(options.accept_gate_us)),
                   asio::detached);
    // Only now, with the pool's threads, the boards and the loop's coroutines all built, may
    // anyone learn the port: a request sent on the announcement is served at once, instead of
    // waiting the 4-5 ms the building took (every run's first handlers started that late).
    if (ready) ready();
    ctx.run();
    remove_own_socket();  // a single process owns it: --unix-socket refuses --workers
    ::_exit(0);
}

void run_server(const server_options& options) {
    // A database that cannot be reached is said once, before anything listens: each worker would
    // fail to start on it, and the supervisor would start it again for ever.
    if (!options.database_url.empty()) pg_pool(options.database_url, 1);
    if (options.workers >= 1) return run_supervisor(options);
    listener bound = options.unix_socket.empty() ? open_listener(options.host, options.port)
                                                 : open_unix_listener(options.unix_socket);
    if (!options.unix_socket.empty())  // open_unix_listener checked that it fits
        std::memcpy(own_socket, options.unix_socket.c_str(), options.unix_socket.size() + 1);
    // Before the port is announced: whoever reads it may send SIGTERM at once, and a server
    // told to stop exits 0 as it should, not by the signal's default action.
    install_stop_handler();
    serve_on(bound.fd, options, [&] { announce_ready(options, bound.port); });
}

}  // namespace lab
