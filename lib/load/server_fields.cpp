#include "load/server_fields.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cstring>
#include <optional>
#include <string_view>

namespace lab {

namespace {

// A short text that arrives in parts (a key or a string value). Only short keys and values
// are of interest here; anything longer is marked as no match rather than stored.
struct short_text {
    char bytes[16];
    std::size_t size = 0;
    bool too_long = false;

    void clear() {
        size = 0;
        too_long = false;
    }
    void append(std::string_view part) {
        if (too_long || size + part.size() > sizeof bytes) {
            too_long = true;
            return;
        }
        std::memcpy(bytes + size, part.data(), part.size());
        size += part.size();
    }
    bool operator==(std::string_view other) const { return !too_long && std::string_view(bytes, size) == other; }
};

// Boost.JSON's event handler: remembers the wanted top-level members and ignores the rest.
struct fields_handler {
    static constexpr std::size_t max_array_size = -1;
    static constexpr std::size_t max_object_size = -1;
    static constexpr std::size_t max_string_size = -1;
    static constexpr std::size_t max_key_size = -1;
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    int depth = 0;              // 1: inside the top-level object
    bool top_is_object = false;
    short_text key;             // the member whose value comes next
    short_text text;            // a string value, as its parts arrive
    std::optional<std::int64_t> pid, thread, start_ns, end_ns, task_id;
    bool task_done = false;

    bool top_level() const { return depth == 1 && top_is_object; }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    // A container is its key's value: the key is spent once it opens (an empty one has no
    // member of its own that would spend it).
    bool on_array_begin(error_code&) {
        value_seen();
        return ++depth, true;
    }
    bool on_array_end(std::size_t, error_code&) { return --depth, true; }
    bool on_object_begin(error_code&) {
        if (depth == 0) top_is_object = true;
        value_seen();
        return ++depth, true;
    }
    bool on_object_end(std::size_t, error_code&) { return --depth, true; }
    bool on_key_part(string_view s, std::size_t, error_code&) {
        key.append({s.data(), s.size()});
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        key.append({s.data(), s.size()});
        return true;  // cleared when its value has been seen
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        text.append({s.data(), s.size()});
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        text.append({s.data(), s.size()});
        if (top_level() && key == "status") task_done = text == "done";
        text.clear();
        return value_seen();
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, string_view, error_code&) {
        if (top_level()) {
            if (key == "pid") pid = i;
            else if (key == "thread") thread = i;
            else if (key == "start_ns") start_ns = i;
            else if (key == "end_ns") end_ns = i;
            else if (key == "task_id") task_id = i;
        }
        return value_seen();
    }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return value_seen(); }
    bool on_double(double, string_view, error_code&) { return value_seen(); }
    bool on_bool(bool, error_code&) { return value_seen(); }
    bool on_null(error_code&) { return value_seen(); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    bool value_seen() {
        key.clear();
        return true;
    }
};

}  // namespace

void read_server_fields(std::string_view body, request_record& rec) {
    boost::json::basic_parser<fields_handler> parser({});
    boost::system::error_code ec;
    auto parsed = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || !parser.done() || parsed != body.size()) return;  // trailing bytes: not one JSON document
    const auto& h = parser.handler();
    if (!h.top_is_object) return;
    if (h.task_id) rec.task_id = *h.task_id;
    rec.task_done = h.task_done;
    if (h.pid && h.thread && h.start_ns && h.end_ns) rec.server = server_fields{*h.pid, *h.thread, *h.start_ns, *h.end_ns};
}

namespace {

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A decimal integer, the whole of `text` (a quoted-string's quotes removed first).
std::optional<std::int64_t> decimal(std::string_view text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits never overflow an int64
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

// The `desc` parameter of one metric ("thread;desc=4250"), or empty.
std::string_view desc_of(std::string_view metric, std::string_view& name) {
    const auto semi = metric.find(';');
    name = trim_ows(metric.substr(0, semi));
    for (std::size_t at = semi; at != std::string_view::npos;) {
        const auto next = metric.find(';', at + 1);
        auto param = trim_ows(metric.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
        if (param.starts_with("desc=")) return trim_ows(param.substr(5));
        at = next;
    }
    return {};
}

}  // namespace

bool read_server_timing(std::string_view header, request_record& rec) {
    std::optional<std::int64_t> pid, thread, start_ns, end_ns;
    while (!header.empty()) {
        // A quoted desc holds no comma in what the lab sends; a foreign one with a comma inside
        // quotes only splits a metric the lab does not read.
        const auto comma = header.find(',');
        std::string_view name;
        const auto desc = desc_of(header.substr(0, comma), name);
        if (name == "pid") pid = decimal(desc);
        else if (name == "thread") thread = decimal(desc);
        else if (name == "start_ns") start_ns = decimal(desc);
        else if (name == "end_ns") end_ns = decimal(desc);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    }
    if (!pid || !thread || !start_ns || !end_ns || *end_ns < *start_ns) return false;
    rec.server = server_fields{*pid, *thread, *start_ns, *end_ns};
    return true;
}

namespace {

// "R0.W15.Y100020" after read_ns: each state's letter and its start in µs after it, in time order.
bool parse_marks(std::string_view text, std::int64_t base, request_states& out) {
    request_states read;
    std::int64_t last = 0;
    while (!text.empty()) {
        const auto dot = text.find('.');
        const auto part = text.substr(0, dot);
        text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
        if (part.size() < 2 || read.count == read.marks.size()) return false;
        const auto state = state_of_letter(part[0]);
        const auto us = decimal(part.substr(1));
        if (!state || !us || *us < last || *us > 86'400'000'000) return false;  // in order, within a day
        last = *us;
        read.marks[read.count++] = {*state, base + *us * 1000};
    }
    if (read.count == 0) return false;
    out = read;
    return true;
}

}  // namespace

bool read_server_states(std::string_view header, request_states& out) {
    std::optional<std::int64_t> read_ns;
    std::string_view marks;
    bool have_marks = false;
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view name;
        const auto desc = desc_of(header.substr(0, comma), name);
        if (name == "read_ns") read_ns = decimal(desc);
        else if (name == "states") marks = desc, have_marks = true;
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    }
    return read_ns && have_marks && parse_marks(marks, *read_ns, out);
}

}  // namespace lab
