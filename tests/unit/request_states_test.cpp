// Request states (DESIGN.md §11): read from the server's Server-Timing, then counted at instants
// and over a run, and drawn as the HTML replay's data.
#include "analysis/request_states.hpp"
#include "load/server_fields.hpp"
#include "report/report.hpp"
#include "report/timeline.hpp"

#include <nlohmann/json.hpp>
#include "synthetic.hpp"

#include <doctest/doctest.h>
#include <algorithm>
#include <regex>
#include <string>

TEST_SUITE_BEGIN("unit");

using namespace lab;
using lab::test::ms_ns;

namespace {

// One request sent at `sent` ms and read back at `read` ms, with the marks given in ms.
void add(load_run& run, double sent, double read, std::initializer_list<std::pair<request_state, double>> marks) {
    request_record rec;
    rec.start_ns = static_cast<std::int64_t>(sent * ms_ns);
    rec.end_ns = static_cast<std::int64_t>(read * ms_ns);
    rec.status = 200;
    request_states st;
    for (const auto& [s, at] : marks) st.marks[st.count++] = {s, static_cast<std::int64_t>(at * ms_ns)};
    run.states.push_back(st);
    rec.states = static_cast<std::uint32_t>(run.states.size());
    run.requests.push_back(rec);
}

using enum request_state;

// Each request of a synthetic arm: running from its handler's start to its end, as the server says.
void with_server_states(arm_result& arm) {
    for (auto& rec : arm.run.requests) {
        request_states st;
        st.marks[st.count++] = {request_state::running, rec.server->start_ns};
        st.marks[st.count++] = {request_state::done, rec.server->end_ns};
        arm.run.states.push_back(st);
        rec.states = static_cast<std::uint32_t>(arm.run.states.size());
    }
}

}  // namespace

TEST_CASE("the server's states are read from Server-Timing — malformed or out of order changes nothing") {
    request_states st;
    REQUIRE(read_server_states("handler;dur=100.1, pid;desc=7, read_ns;desc=5000000, states;desc=R0.W15.Y100020.R100031.D100040", st));
    REQUIRE(st.count == 5);
    CHECK(st.marks[0].state == running);
    CHECK(st.marks[0].at_ns == 5'000'000);
    CHECK(st.marks[1].state == waiting);
    CHECK(st.marks[1].at_ns == 5'015'000);
    CHECK(st.marks[2].state == ready);
    CHECK(st.marks[2].at_ns == 105'020'000);
    CHECK(st.marks[4].state == done);
    for (const char* bad : {"read_ns;desc=5, states;desc=R0.W15.Y10", "states;desc=R0", "read_ns;desc=5",
                            "read_ns;desc=9999999999999999999, states;desc=R0",  // past an int64
                            "read_ns;desc=5, states;desc=X0", "read_ns;desc=5, states;desc=R", "read_ns;desc=5, states;desc=R0..W1",
                            "read_ns;desc=5, states;desc=R0.R1.R2.R3.R4.R5.R6.R7.R8"}) {
        CAPTURE(bad);
        request_states untouched;
        CHECK_FALSE(read_server_states(bad, untouched));
        CHECK(untouched.count == 0);
    }
}

TEST_CASE("a request's state at an instant: in the kernel from its send — each mark's state — gone once read") {
    load_run run;
    add(run, 1, 210, {{running, 100}, {done, 200}});
    const auto& rec = run.requests[0];
    CHECK_FALSE(state_at(run, rec, 0));
    CHECK(state_at(run, rec, 1 * ms_ns) == kernel);
    CHECK(state_at(run, rec, 99 * ms_ns) == kernel);
    CHECK(state_at(run, rec, 100 * ms_ns) == running);
    CHECK(state_at(run, rec, 205 * ms_ns) == done);
    CHECK_FALSE(state_at(run, rec, 210 * ms_ns));
    request_record none = rec;
    none.states = 0;  // another server's: no states
    CHECK_FALSE(state_at(run, none, 150 * ms_ns));
}

TEST_CASE("a blocked loop: counts at t/2 are 1 running and 9 in the kernel — depths 9 at most and 4.5 on average") {
    load_run run;
    run.t0_ns = 0;
    for (int i = 0; i < 10; ++i) add(run, 0, (i + 1) * 100, {{running, i * 100.0}, {done, (i + 1) * 100.0}});
    run.t1_ns = 1000 * ms_ns;
    const auto at_half = counts_at(run, 50 * ms_ns);
    CHECK(at_half[static_cast<std::size_t>(running)] == 1);
    CHECK(at_half[static_cast<std::size_t>(kernel)] == 9);
    const auto d = queue_depths(run);
    REQUIRE(d);
    CHECK(d->max[static_cast<std::size_t>(kernel)] == 9);
    CHECK(d->mean[static_cast<std::size_t>(kernel)] == doctest::Approx(4.5));
    CHECK(d->max[static_cast<std::size_t>(running)] == 1);
    CHECK(d->mean[static_cast<std::size_t>(running)] == doctest::Approx(1.0));
    CHECK(d->max[static_cast<std::size_t>(waiting)] == 0);
}

TEST_CASE("coroutines: ten waiting then ten ready in one burst — a state left and entered at one instant counts once") {
    load_run run;
    run.t0_ns = 0;
    for (int i = 0; i < 10; ++i)
        add(run, 0, 101 + i * 0.1,
            {{running, 0}, {waiting, 0}, {ready, 100}, {running, 100.05 + i * 0.1}, {done, 100.08 + i * 0.1}});
    run.t1_ns = static_cast<std::int64_t>(102 * ms_ns);
    CHECK(counts_at(run, 50 * ms_ns)[static_cast<std::size_t>(waiting)] == 10);
    CHECK(counts_at(run, static_cast<std::int64_t>(100.01 * ms_ns))[static_cast<std::size_t>(ready)] == 10);
    CHECK(counts_at(run, static_cast<std::int64_t>(100.16 * ms_ns))[static_cast<std::size_t>(ready)] == 8);
    const auto d = queue_depths(run);
    REQUIRE(d);
    CHECK(d->max[static_cast<std::size_t>(waiting)] == 10);
    CHECK(d->max[static_cast<std::size_t>(ready)] == 10);  // all at once, at 100 ms
    // Each was running at 0 for no time at all (marked running and waiting at one instant): a
    // state of no length is never counted, so the loop ran one at a time.
    CHECK(d->max[static_cast<std::size_t>(running)] == 1);
    CHECK(d->mean[static_cast<std::size_t>(waiting)] == doctest::Approx(10 * 100.0 / 102).epsilon(0.01));
    CHECK_FALSE(queue_depths(load_run{}));
}

TEST_CASE("the HTML replay carries every request's marks — its data cannot end the script") {
    auto r = lab::test::synthetic_result();
    auto& arm = r.arms[0];
    arm.spec.name = "a</script><b>";
    arm.run.states.clear();
    CHECK(html_replay(arm, 0).empty());  // no states: no replay
    for (auto& rec : arm.run.requests) {
        request_states st;
        st.marks[st.count++] = {running, rec.start_ns + ms_ns};
        st.marks[st.count++] = {done, rec.end_ns - ms_ns};
        arm.run.states.push_back(st);
        rec.states = static_cast<std::uint32_t>(arm.run.states.size());
    }
    const auto html = html_replay(arm, 3);
    CHECK(html.find("id=\"replay-3\"") != std::string::npos);
    CHECK(html.find("data-arm=\"a&lt;/script&gt;&lt;b&gt;\"") != std::string::npos);
    CHECK(html.find("</script><b>") == std::string::npos);
    CHECK(html.find("\"arm\":\"a<\\/script><b>\"") != std::string::npos);
    CHECK(html.find("[1,[\"K\",0.000],[\"R\",1.000]") != std::string::npos);  // request 1, in the kernel from 0
    const auto page = render_html({r});
    CHECK(page.find("<script src") == std::string::npos);  // one file: the player is inline
    CHECK(page.find("<script>") != std::string::npos);
}

TEST_CASE("a replay frame fits the terminal: three boxes a row — two — one — and says each box's count") {
    auto r = lab::test::synthetic_result();
    auto& arm = r.arms[0];  // ten requests of 100 ms, one after another
    with_server_states(arm);
    for (std::size_t width : {40u, 60u, 100u, 160u}) {
        CAPTURE(width);
        const auto frame = replay_frame(arm, 50, width, "keys");
        std::size_t widest = 0, line_start = 0;
        for (std::size_t at = 0; at <= frame.size(); ++at) {
            if (at < frame.size() && frame[at] != '\n') continue;
            const auto line = frame.substr(line_start, at - line_start);
            widest = std::max<std::size_t>(widest, static_cast<std::size_t>(std::count_if(
                                                      line.begin(), line.end(), [](char c) { return (c & 0xC0) != 0x80; })));
            line_start = at + 1;
        }
        CHECK(widest <= width);
        CHECK(frame.find("keys\n") != std::string::npos);
        const auto boxes_a_row = width >= 78 ? 3 : width >= 52 ? 2 : 1;
        CHECK(std::count(frame.begin(), frame.end(), '\n') > 0);
        const auto first_row = frame.substr(frame.find("┌"), frame.find('\n', frame.find("┌")) - frame.find("┌"));
        CHECK(static_cast<int>(std::count(first_row.begin(), first_row.end(), ' ')) == boxes_a_row - 1);
    }
    // A short terminal: each box's numbers cut to what fits, the rest counted.
    arm_result many;
    many.spec.name = "many";
    many.run = lab::test::synthetic_run(60, 10, true);
    with_server_states(many);
    const auto short_frame = replay_frame(many, 5000, 80, "keys", 12);
    CAPTURE(short_frame);
    CHECK(std::count(short_frame.begin(), short_frame.end(), '\n') <= 12);
    CHECK(std::regex_search(short_frame, std::regex("answered +60 │")));
    CHECK(short_frame.find("… +") != std::string::npos);
    const auto at_half = replay_frame(arm, 50, 160, "");
    CHECK(std::regex_search(at_half, std::regex("in the kernel +9 │")));
    CHECK(std::regex_search(at_half, std::regex("running on the loop +1 │")));
    CHECK(at_half.find("│ 2 3 4 5 6 7 8 9 10 ") != std::string::npos);
    CHECK(std::regex_search(replay_frame(arm, 2000, 160, ""), std::regex("answered +10 │")));
}

TEST_CASE("the text timeline gets a state lane per request — the trace a slice per state") {
    auto r = lab::test::synthetic_result();
    auto& arm = r.arms[0];  // ten requests of 100 ms on a blocked loop: in the kernel until its turn
    with_server_states(arm);
    const auto text = render_timeline(arm, {.width = 50});
    CAPTURE(text);
    // Request 3 waits in the kernel for two handlers (10 columns of 5), then runs for 5.
    CHECK(text.find("    states        KKKKKKKKKKRRRRR\n") != std::string::npos);
    CHECK(text.find("    states        RRRRR\n") != std::string::npos);  // request 1 runs at once
    CHECK(text.find("K kernel R running W waiting") != std::string::npos);
    const auto trace = nlohmann::json::parse(render_trace({r}, 1000));
    int kernel = 0, running_slices = 0;
    for (const auto& e : trace["traceEvents"])
        if (e.value("cat", "") == "state") (e["name"] == "in the kernel" ? kernel : running_slices) += 1;
    CHECK(kernel == 9);  // the first request was read at once: no time in the kernel
    CHECK(running_slices == 10);
}
