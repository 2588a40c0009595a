// The one query of the /db routes, SELECT pg_sleep($1), in libpq's two APIs.
#include "db/pg_pool.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <string>

namespace lab {

namespace asio = boost::asio;

namespace {

constexpr const char* sleep_query = "SELECT pg_sleep($1)";

std::string reason(PGconn* c, const PGresult* r = nullptr) {
    return "database: " + libpq_words(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
}

// libpq's socket, lent to the loop for one wait. A fresh registration each time: epoll reports
// a socket that is already readable when it is added, which an edge-triggered registration
// kept from an earlier wait would not. Released, never closed: the socket is libpq's.
using pg_socket = asio::posix::basic_stream_descriptor<loop_executor>;
struct lent_socket {
    pg_socket socket;
    ~lent_socket() { socket.release(); }
};

loop_task<> wait_for(PGconn* c, pg_socket::wait_type what) {
    const int fd = PQsocket(c);
    if (fd < 0) throw db_error(reason(c));
    // The executor first, in a statement of its own: with the co_await inside the initializer,
    // GCC 12 destroyed a copy of the descriptor, which closed libpq's socket (EBADF).
    const auto loop = co_await asio::this_coro::executor;
    lent_socket lent{pg_socket(loop, fd)};
    auto [ec] = co_await lent.socket.async_wait(what, on_loop_tuple);
    if (ec) throw db_error("database: waiting on the connection failed: " + ec.message());
}

std::string seconds_text(double seconds) { return fmt::format("{:.6f}", seconds); }

}  // namespace

void pg_sleep_blocking(pg_conn* c, double seconds) {
    const std::string arg = seconds_text(seconds);
    const char* values[] = {arg.c_str()};
    PGresult* r = PQexecParams(c, sleep_query, 1, nullptr, values, nullptr, nullptr, 0);
    const bool ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string error = ok ? "" : reason(c, r);
    PQclear(r);
    if (!ok) throw db_error(error);
}

loop_task<> pg_sleep_on_loop(pg_conn* c, double seconds) {
    const std::string arg = seconds_text(seconds);
    const char* values[] = {arg.c_str()};
    if (!PQsendQueryParams(c, sleep_query, 1, nullptr, values, nullptr, nullptr, 0)) throw db_error(reason(c));
    // In nonblocking mode the query may not be sent whole at once.
    for (int left; (left = PQflush(c)) != 0;) {
        if (left < 0) throw db_error(reason(c));
        co_await wait_for(c, pg_socket::wait_write);
    }
    // Each result once libpq has it whole, and the end of them (a null result) too: a
    // PQgetResult while PQisBusy would block the loop until the rest of the reply came.
    std::string error;
    for (;;) {
        while (PQisBusy(c)) {
            co_await wait_for(c, pg_socket::wait_read);
            if (!PQconsumeInput(c)) throw db_error(reason(c));
        }
        PGresult* r = PQgetResult(c);
        if (!r) break;
        if (PQresultStatus(r) != PGRES_TUPLES_OK && error.empty()) error = reason(c, r);
        PQclear(r);
    }
    if (!error.empty()) throw db_error(error);
}

}  // namespace lab
