#include "report/report.hpp"
#include "report/table_writer.hpp"
#include "report/format_units.hpp"

#include "analysis/analysis.hpp"
#include "analysis/findings.hpp"
#include "synthetic.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <regex>
#include <sstream>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;
using namespace lab::test;

scenario_result two_arm_result() {
    auto r = synthetic_result();
    r.notes = findings(r);
    return r;
}

TEST_CASE("table_writer pads columns and aligns numbers right") {
    table_writer t({"arm", "wall"}, {false, true});
    t.add_row({"blocking", "1.000 s"});
    t.add_row({"async", "100.0 ms"});
    CHECK(t.str() ==
          "  arm           wall\n"
          "  ──────────────────\n"
          "  blocking   1.000 s\n"
          "  async     100.0 ms\n");
}

TEST_CASE("durations pick a readable unit") {
    CHECK(format_ms(0.5) == "0.50 ms");
    CHECK(format_ms(100.04) == "100.0 ms");
    CHECK(format_ms(1003.2) == "1.003 s");
}

TEST_CASE("the table shows each arm's numbers and the findings") {
    auto text = render_table(two_arm_result());
    CAPTURE(text);
    CHECK(text.find("demo — A demo") != std::string::npos);
    CHECK(std::regex_search(text, std::regex(R"(\n  blocking\s+/blocking\?ms=100\s+10 × 10\s+1\.000 s\s+1\.000 s \(serialized\)\s+1\.000\s+serialized\n)")));
    CHECK(std::regex_search(text, std::regex(R"(\n  async\s+/async\?ms=100\s+10 × 10\s+100\.0 ms\s+100\.0 ms \(concurrent\)\s+1\.000\s+concurrent\n)")));
    CHECK(std::regex_search(text, std::regex(R"(\n  blocking\s+100\.0 ms\s+500\.0 ms\s+900\.0 ms\s+1\.000 s\s+1\.000 s\s+5\.5 / 1\.0\s+10\s+—\s+10\s+0\n)")));
    CHECK(text.find("• blocking: serialized") != std::string::npos);
}

TEST_CASE("the JSON document has the contracted shape") {
    auto doc = nlohmann::json::parse(render_json(two_arm_result()));
    CHECK(doc["scenario"] == "demo");
    CHECK(doc["title"] == "A demo");
    REQUIRE(doc["arms"].size() == 2);
    const auto& arm = doc["arms"][0];
    for (const char* key : {"name", "route", "requests", "concurrency", "wall_ms", "ideal_ms", "model", "verdict",
                            "overlap", "server_overlap", "latency_ms", "errors", "requests_detail"})
        CHECK_MESSAGE(arm.contains(key), key);
    CHECK(arm["name"] == "blocking");
    CHECK(arm["wall_ms"] == 1000.0);
    CHECK(arm["verdict"] == "serialized");
    for (const char* key : {"min", "p50", "p90", "p99", "max"}) CHECK(arm["latency_ms"].contains(key));
    for (const char* key : {"connect", "read", "timeout", "status"}) CHECK(arm["errors"][key] == 0);
    REQUIRE(arm["requests_detail"].size() == 10);
    const auto& first = arm["requests_detail"][1];
    for (const char* key : {"start_ms", "end_ms", "status", "pid", "thread", "server_start_ms", "server_end_ms"})
        CHECK_MESSAGE(first.contains(key), key);
    CHECK(first["server_start_ms"] == 100.0);
    CHECK(first["end_ms"] == 200.0);
    CHECK(doc["arms"][1]["verdict"] == "concurrent");
}

TEST_CASE("the arm JSON alone is the same object") {
    auto r = two_arm_result();
    auto arm = nlohmann::json::parse(render_arm_json(r.arms[1]));
    auto doc = nlohmann::json::parse(render_json(r));
    CHECK(arm == doc["arms"][1]);
}

TEST_CASE("record_limit_reached appears only on a run that stopped at the limit") {
    auto r = two_arm_result();
    CHECK_FALSE(nlohmann::json::parse(render_arm_json(r.arms[1])).contains("record_limit_reached"));
    r.arms[1].run.record_limit_reached = true;
    CHECK(nlohmann::json::parse(render_arm_json(r.arms[1]))["record_limit_reached"] == true);
}

TEST_CASE("CSV has one row per request with the server fields") {
    auto csv = render_csv(two_arm_result());
    auto first_line = csv.substr(0, csv.find('\n'));
    CHECK(first_line ==
          "scenario,arm,kind,index,start_ms,end_ms,latency_ms,status,bytes,error,pid,thread,server_start_ms,"
          "server_end_ms,requests,failures,p50_ms,p99_ms");
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 21);
    CHECK(csv.find("\n\"demo\",\"blocking\",request,1,0.000,200.000,200.000,200,150,,42,42,100.000,200.000,,,,\n") !=
          std::string::npos);
}

TEST_CASE("the per-second series reaches JSON and CSV — one row per second that sums to the run") {
    auto r = two_arm_result();
    auto& run = r.arms[0].run;
    for (const auto& rec : run.requests) add_to_series(run.per_second, run.t0_ns, rec);
    request_record failed = run.requests.back();
    failed.error = error_kind::timeout;
    add_to_series(run.per_second, run.t0_ns, failed);
    REQUIRE(run.per_second.size() == 2);  // ten serialized 100 ms requests end in seconds 0 and 1
    auto seconds = nlohmann::json::parse(render_arm_json(r.arms[0]))["per_second"];
    REQUIRE(seconds.size() == 2);
    CHECK(seconds[0]["requests"].get<int>() + seconds[1]["requests"].get<int>() == 11);
    CHECK(seconds[1]["failures"]["timeout"] == 1);
    CHECK(seconds[0]["p99_ms"].get<double>() > 0);
    auto csv = render_csv(r);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 23);
    auto line = csv.substr(csv.find("\"demo\",\"blocking\",second,1,"));
    line = line.substr(0, line.find('\n'));
    CHECK(std::count(line.begin(), line.end(), ',') == 17);  // as many columns as the header
    CHECK(line.find(",1000.000,2000.000,") != std::string::npos);
}

TEST_CASE("the HTML timeline draws a busy server thread at the chart's resolution — not per request") {
    // 20 000 back-to-back 1 ms handlers on one thread, and one lone handler after a gap.
    scenario_result r{"busy", "Busy", "One thread, many requests.", {}, {}, {}};
    arm_result a;
    a.spec = synthetic_spec("blocking", "/blocking", model_kind::serialized, 20'000);
    a.run = synthetic_run(20'000, 1, true);
    auto lone = a.run.requests.back();
    lone.server->start_ns += 100 * ms_ns;  // far more than a pixel later
    lone.server->end_ns = lone.end_ns = lone.server->start_ns + ms_ns;
    a.run.requests.push_back(lone);
    a.stats = analyze(a.spec, a.run);
    r.arms.push_back(a);
    auto html = render_html({r});
    std::size_t runs = 0;
    for (auto at = html.find("class=\"run\""); at != std::string::npos; at = html.find("class=\"run\"", at + 1)) ++runs;
    // 40 request lanes (each with its handler), then the thread's lane: one span, and the lone one.
    CHECK(runs == 40 + 2);
    CHECK(html.size() < 100'000);
}

TEST_CASE("Markdown is a pasteable table") {
    auto md = render_markdown(two_arm_result());
    CAPTURE(md);
    CHECK(md.starts_with("### demo — A demo\n\nBlocking serializes; awaiting overlaps.\n\n"));
    CHECK(md.find("| arm | route | N × C | wall | ideal (model) | wall/ideal | verdict | p50 | p99 | overlap c/s | "
                  "failed |\n| --- | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | --- |\n") !=
          std::string::npos);
    CHECK(md.find("| blocking | `/blocking?ms=100` | 10 × 10 | 1.000 s | 1.000 s (serialized) | 1.000 | serialized | "
                  "500.0 ms | 1.000 s | 5.5 / 1.0 | 0 |\n") != std::string::npos);
    CHECK(md.find("\n- blocking: serialized") != std::string::npos);
}

TEST_CASE("an arm beside another gets a side-by-side row in the table and in Markdown") {
    auto r = two_arm_result();
    CHECK(beside_summary(r).rows.empty());  // no `beside`: no second table
    CHECK(render_table(r, false).find("side by side") == std::string::npos);
    r.arms[1].spec.beside = "blocking";
    r.arms[0].spec.seed_s = 1.1;
    auto pairs = beside_summary(r);
    REQUIRE(pairs.rows.size() == 1);
    CHECK(pairs.rows[0] == std::vector<std::string>{"blocking", "~1.1 s", "100.0 ms", "1.000 s", "async", "100.0 ms",
                                                    "0.10", "serialized · concurrent"});
    const auto table = render_table(r, false);
    CAPTURE(table);
    CHECK(table.find("  blocking          ~1.1 s  100.0 ms   1.000 s  async      100.0 ms   0.10  "
                     "serialized · concurrent") != std::string::npos);
    CHECK(render_markdown(r).find("| blocking | ~1.1 s | 100.0 ms | 1.000 s | async | 100.0 ms | 0.10 | "
                                  "serialized · concurrent |") != std::string::npos);
    r.arms[0].spec.seed_s.reset();  // no notes to quote: no "notes said" column
    CHECK(beside_summary(r).header == std::vector<std::string>{"side by side", "floor", "measured", "beside it",
                                                               "measured", "ratio", "verdicts"});
}

TEST_CASE("failures read as a count with kinds") {
    arm_stats s;
    CHECK(failures_text(s) == "0");
    s.errors = {2, 0, 1, 0};
    CHECK(failures_text(s) == "3 (2 connect, 1 timeout)");
}

TEST_CASE("the HTML page is self-contained and escapes what the files say") {
    auto r = two_arm_result();
    r.lesson = "Beware <script>alert('x')</script> & friends";
    auto html = render_html({r});
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("Beware &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; friends") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http") == std::string::npos);  // nothing to fetch: no URL at all
    CHECK(std::count(html.begin(), html.end(), '\n') > 10);
    auto svgs = 0;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
    CHECK(svgs == 3);  // the walls of the scenario at a glance, then one timeline per arm
    CHECK(html.find("<section id=\"demo\">") != std::string::npos);
}

TEST_CASE("several scenarios render as one document") {
    auto r = two_arm_result();
    auto second = r;
    second.name = "other";
    render_options json{output_format::json};
    auto doc = nlohmann::json::parse(render_many({r, second}, json));
    CHECK(doc["scenarios"].size() == 2);
    CHECK(doc["scenarios"][1]["scenario"] == "other");
    auto csv = render_many({r, second}, {output_format::csv});
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 2 * 20);  // one header
    auto table = render_many({r, second}, {output_format::table});
    CHECK(table.find("\n  summary\n") != std::string::npos);
    CHECK(std::regex_search(table, std::regex(R"(\n  other\s+async\s+100\.0 ms\s+100\.0 ms\s+1\.000\s+concurrent\s+0\n)")));
}

TEST_CASE("at 80 100 and 160 columns no line of the table report is longer — nothing is lost") {
    auto r = two_arm_result();
    for (auto& a : r.arms) {  // every optional column at once: notes, probe, workers
        a.spec.seed_s = 1.1;
        a.spec.load.probe_route = "/health";
        a.spec.server.workers = 2;
        a.stats.probe_ms = 0.4;
    }
    r.arms[0].spec.name = "a-rather-long-arm-name-for-a-projector";
    r.notes.push_back("a finding long enough to wrap over several lines on a narrow terminal, as findings often are "
                      "when they explain what the numbers show and why the models differ");
    const std::string full = render_table(r);
    CHECK(render_table(r, false, 0) == full);  // no width: today's full tables, as a pipe gets them
    std::size_t widest = 0;
    for (std::size_t at = 0, nl; (nl = full.find('\n', at)) != std::string::npos; at = nl + 1)
        widest = std::max(widest, display_width(full.substr(at, nl - at)));
    CHECK(widest > 100);  // the case is worth testing: the full table does not fit
    for (std::size_t width : {80u, 100u, 160u}) {
        CAPTURE(width);
        const std::string fitted = render_table(r, true, width);
        CAPTURE(fitted);
        for (std::size_t at = 0, nl; (nl = fitted.find('\n', at)) != std::string::npos; at = nl + 1)
            CHECK(display_width(fitted.substr(at, nl - at)) <= width);
        for (const char* header : {"verdict", "notes said", "probe", "requests per pid", "failed", "p99"})
            CHECK(fitted.find(header) != std::string::npos);  // split into parts, not dropped
    }
}

TEST_CASE("a table split to fit repeats its first column and cuts only what cannot fit beside it") {
    table_writer t({"arm", "first", "second"}, {false, true, true});
    t.add_row({"blocking", "1.000 s", std::string(50, 'y')});
    const auto one = t.str("  ", 0);
    CHECK(t.str("  ", 200) == one);
    const auto split = t.str("  ", 40);
    CAPTURE(split);
    CHECK(split == "  arm         first\n"
                   "  ─────────────────\n"
                   "  blocking  1.000 s\n"
                   "\n"
                   "  arm                             second\n"
                   "  ──────────────────────────────────────\n"
                   "  blocking  yyyyyyyyyyyyyyyyyyyyyyyyyyy…\n");
    CHECK(fit_width("— ok", 2) == "—…");
}

TEST_CASE("the arms of a scenario share one time axis — unless --axis own") {
    auto r = two_arm_result();  // 1 s serialized, 100 ms concurrent
    auto scales = [](const std::string& text) {
        std::vector<std::string> found;
        for (auto at = text.find("one column = "); at != std::string::npos; at = text.find("one column = ", at + 1))
            found.push_back(text.substr(at, text.find('\n', at) - at));
        return found;
    };
    const auto shared = scales(render_table(r, true));
    REQUIRE(shared.size() == 2);
    CHECK(shared[0] == shared[1]);  // 100 ms is a tenth of the width of 1 s
    CHECK(shared[0] == "one column = 16.7 ms");
    const auto own = scales(render_table(r, true, 0, true));
    REQUIRE(own.size() == 2);
    CHECK(own[1] == "one column = 1.67 ms");
    // The HTML timelines too: the concurrent arm's axis ends at 1 s, not at its own 100 ms.
    auto axis_ends_at_1s = [](const std::string& html) {
        int n = 0;
        const std::string end = "text-anchor=\"end\">1.000 s</text>";
        for (auto at = html.find(end); at != std::string::npos; at = html.find(end, at + 1)) ++n;
        return n;
    };
    CHECK(axis_ends_at_1s(render_html({r})) == 2);
    CHECK(axis_ends_at_1s(render_html({r}, true)) == 1);
}



TEST_CASE("markdown keeps a cell one cell — a pipe in a name is escaped") {
    auto r = synthetic_result();
    r.arms[0].spec.name = "a|b";
    const auto md = render_markdown(r);
    CHECK(md.find("| a\\|b |") != std::string::npos);
    // Every row of the first table has as many unescaped pipes as its header.
    std::istringstream lines(md);
    std::size_t header_pipes = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("|")) continue;
        std::size_t pipes = 0;
        for (std::size_t i = 0; i < line.size(); ++i) pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
        if (header_pipes == 0) header_pipes = pipes;
        if (line.find("a\\|b") != std::string::npos) CHECK(pipes == header_pipes);
    }
}

TEST_CASE("a server that reported no handler times shows — not 0.0 — in every format") {
    auto r = synthetic_result();
    for (auto& a : r.arms) a.stats.server_fields = false;
    CHECK(render_markdown(r).find(" / — |") != std::string::npos);
    CHECK(render_html({r}).find(" / —<") != std::string::npos);
    CHECK(render_table(r).find(" / —") != std::string::npos);
    const auto doc = nlohmann::json::parse(render_json(r));
    CHECK(doc["arms"][0]["server_overlap"].is_null());
}

TEST_CASE("the loop's p99 is never shown above its max") {
    auto r = synthetic_result();
    arm_stats::lag_figures lag;
    lag.max_ms = 1;
    lag.max_is_bound = true;  // no tick 1 ms late: the max is a bound
    lag.p99_ms = 1.0;         // the histogram bucket's bound, not a measurement above it
    lag.processes = 1;
    r.arms[1].stats.loop_lag = lag;
    const auto table = render_table(r);
    const auto row = table.substr(table.find("\n  async", table.find("inside the server")));
    CHECK(row.find("< 1.00 ms  < 1.00 ms") != std::string::npos);
}

TEST_SUITE_END();

TEST_CASE("JSON gives each arm its statuses — body sizes — and what a refusal said") {
    auto r = synthetic_result();
    auto& a = r.arms.front();
    a.stats.responses = {};
    a.stats.responses.add(200, 10);
    a.stats.responses.add(200, 30);
    a.stats.responses.add(503, 20);
    a.run.failure_bodies[503] = "{\"detail\":\"QueuePool limit of size 5 overflow 10 reached\"}\xff";
    const auto doc = nlohmann::json::parse(render_json(r));
    const auto& arm = doc["arms"][0];
    CHECK(arm["statuses"] == nlohmann::json{{"200", 2}, {"503", 1}});
    CHECK(arm["body_bytes"] == nlohmann::json{{"min", 10}, {"mean", 20.0}, {"max", 30}});
    // Invalid UTF-8 from a server is replaced, never a thrown report.
    CHECK(arm["failure_bodies"]["503"].get<std::string>().find("QueuePool limit") != std::string::npos);
    const auto table = render_table(r, true);
    CHECK(table.find("200 × 2, 503 × 1") != std::string::npos);  // a non-2xx status: the responses table
    CHECK(table.find("QueuePool limit") != std::string::npos);
    auto none = synthetic_result();  // all 200 and not `load`: no responses table
    CHECK(render_table(none, true).find("status codes") == std::string::npos);
    none.arms[1].stats.responses = {};
    CHECK(nlohmann::json::parse(render_json(none))["arms"][1]["body_bytes"].is_null());
}

TEST_CASE("the cheat sheet: each arm with advice gets a row — held when its run followed its model") {
    auto r = two_arm_result();  // blocking: serialized; async: concurrent
    CHECK(advice_summary(r).rows.empty());
    CHECK(render_table(r, false).find("the notes' advice") == std::string::npos);
    r.arms[0].spec.advice = "mistake: time.sleep in async def freezes the loop";
    r.arms[1].spec.advice = "its fix: asyncio.sleep";
    auto rows = advice_summary(r).rows;
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == std::vector<std::string>{"mistake: time.sleep in async def freezes the loop", "blocking", "1.000 s",
                                              "serialized", "yes"});
    CHECK(rows[1][4] == "yes");
    r.arms[1].spec.model = model_kind::pool;  // the advice promised the pool; the run was concurrent
    CHECK(advice_summary(r).rows[1][4] == "no: concurrent, not pool");
    r.arms[1].stats.outcome = run_outcome::failed;  // a failed run shows nothing either way
    CHECK(advice_summary(r).rows[1][4] == "not shown (failed)");
    r.arms[1].stats.outcome = run_outcome::judged;
    r.arms[1].spec.model = model_kind::concurrent;
    r.arms[1].stats.disputed = true;  // the wall fits the model, the server's overlap says otherwise
    CHECK(advice_summary(r).rows[1][4] == "not shown (disputed)");
    r.arms[1].stats.disputed = false;
    const auto json = nlohmann::json::parse(render_json(r));
    CHECK(json["arms"][0]["advice"] == "mistake: time.sleep in async def freezes the loop");
    CHECK(json["arms"][0]["advice_held"] == true);
    CHECK(json["arms"][1]["advice_held"] == true);
    CHECK(render_table(r, false).find("the notes' advice") != std::string::npos);
    CHECK(render_markdown(r).find("| its fix: asyncio.sleep | async |") != std::string::npos);
}

TEST_CASE("the database pool's waits: a column of the inside-the-server table and JSON") {
    auto r = two_arm_result();
    CHECK(server_summary(r).header.back() != "waited for a db connection");
    r.arms[0].stats.db_pool = db_pool_use{15, 40, 25, 7000};
    r.arms[1].stats.db_pool = db_pool_use{10, 10, 0, 0};
    const auto t = server_summary(r);
    REQUIRE(t.header.back() == "waited for a db connection");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].back() == "25 of 40, 280.0 ms each (15 connections)");
    CHECK(t.rows[1].back() == "none of 10 (10 connections)");
    const auto json = nlohmann::json::parse(render_json(r));
    CHECK(json["arms"][0]["db_pool"] == nlohmann::json{{"connections", 15}, {"takes", 40}, {"waits", 25}, {"waited_ms", 7000}});
}
