#pragma once
// The I/O types of an Asio loop thread (the server's loop, each load-generator thread), bound
// to the io_context's own executor type. Asio's default, any_io_executor, erases that type:
// every copy, move and work count of it goes through a function table, and it makes each
// composed operation larger (measured: a few percent of a /health request at 120k requests
// per second).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lab {

using loop_executor = boost::asio::io_context::executor_type;

template <class T = void>
using loop_task = boost::asio::awaitable<T, loop_executor>;

// Completion tokens for awaiting operations inside a loop_task.
inline constexpr boost::asio::use_awaitable_t<loop_executor> on_loop{};
inline constexpr auto on_loop_tuple = boost::asio::as_tuple(on_loop);

// Asio's generic stream protocol: one socket type for TCP and unix sockets (the address family
// is the endpoint's), with the same reactor operations as ip::tcp's, so the hot path is one code.
using loop_socket = boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol, loop_executor>;
using loop_acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol, loop_executor>;
using loop_timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                     boost::asio::wait_traits<std::chrono::steady_clock>, loop_executor>;

}  // namespace lab
