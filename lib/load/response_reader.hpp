#pragma once
// Internal to lib/load: a Beast response parser that keeps only what a load run records, the
// status code and the body. Beast's response_parser stores every header field (Server, Date,
// Content-Type, …), one allocation and copy each, and a fifth of the client's instructions per
// request went there; wrk keeps no fields either. Framing (Content-Length, chunked encoding,
// Connection and keep-alive, the body limit) is basic_parser's own and unchanged.
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <algorithm>
#include <string>

namespace lab {

class response_reader : public boost::beast::http::basic_parser<false> {
public:
    // The body's first `keep` bytes go into `body`, cleared first; the rest is read and counted
    // but not kept, so a connection holds at most `keep` bytes whatever the server sends. A
    // connection passes the same string for every response: its capacity is reused and a
    // response allocates nothing.
    explicit response_reader(std::string& body, std::size_t keep = 16 * 1024) : body_(body), keep_(keep) {
        body_.clear();
    }

    // The same, and `timing` receives the response's Server-Timing lines (joined by ", "), cleared
    // first: the one field kept, for it carries the server's own account of the request (the
    // probe's, the lab server's, any server's).
    response_reader(std::string& body, std::string& timing, std::size_t keep = 16 * 1024)
        : body_(body), timing_(&timing), keep_(keep) {
        body_.clear();
        timing_->clear();
    }

    int status() const { return status_; }
    // The body's length as it arrived (after chunked decoding), kept or not.
    std::uint64_t body_size() const { return body_size_; }
    // Whether `body` holds the whole body (false once a byte past `keep` arrived).
    bool body_whole() const { return whole_; }

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
        // Beast has no enum value for it: the name's length first, so other fields cost one compare.
        if (!timing_ || name.size() != 13 || !boost::beast::iequals(name, "Server-Timing") || timing_->size() > max_timing)
            return;
        if (!timing_->empty()) *timing_ += ", ";
        timing_->append(value.data(), std::min(value.size(), max_timing));
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view part, error_code&) override {
        body_size_ += part.size();
        const std::size_t room = keep_ - body_.size();
        if (part.size() > room) whole_ = false;
        body_.append(part.data(), std::min(part.size(), room));
        return part.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view part, error_code& ec) override {
        return on_body_impl(part, ec);
    }
    void on_finish_impl(error_code&) override {}

    static constexpr std::size_t max_timing = 1024;  // a longer header is cut, never grown without bound

    std::string& body_;
    std::string* timing_ = nullptr;  // null: Server-Timing is not wanted
    std::size_t keep_;
    bool whole_ = true;
    int status_ = 0;
    std::uint64_t body_size_ = 0;
};

}  // namespace lab
