#pragma once
// Run a blocking job on a thread pool and resume the awaiting coroutine back on its
// own executor, so the loop thread never blocks and the coroutine never migrates.
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <utility>

#include "net/loop.hpp"

namespace lab {

template <class Job, class Result>
struct offload_initiation {
    boost::asio::thread_pool* pool;
    Job job;

    template <class Handler>
    void operator()(Handler&& handler) {
        namespace asio = boost::asio;
        // Keep the loop's io_context alive while the job runs elsewhere.
        auto home = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        // asio::thread_pool runs posted work in FIFO order: when every thread is busy,
        // later requests wait their turn, as anyio's capacity limiter makes them.
        asio::post(*pool, [job = std::move(job), home, h = std::forward<Handler>(handler)]() mutable {
            Result result = job();
            asio::post(home, [h = std::move(h), result]() mutable { std::move(h)(result); });
        });
    }
};

template <class Result, class Job>
auto offload(boost::asio::thread_pool& pool, Job job) {
    return boost::asio::async_initiate<decltype(on_loop), void(Result)>(offload_initiation<Job, Result>{&pool, std::move(job)},
                                                                        on_loop);
}

}  // namespace lab
