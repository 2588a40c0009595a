#include "scenario/scenario_spec.hpp"
#include "scenario/locations.hpp"
#include "model/knobs.hpp"
#include "analysis/analysis.hpp"

#include <doctest/doctest.h>
#include <string>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using namespace lab;

namespace {

const std::string data = TEST_DATA_DIR;

std::string error_of(const std::string& file) {
    try {
        load_scenario_file(data + "/" + file);
    } catch (const scenario_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("a good file reads into arms with defaults applied") {
    auto spec = load_scenario_file(data + "/good.toml");
    CHECK(spec.name == "good");
    CHECK(spec.title == "A test scenario");
    CHECK(spec.lesson == "Two lines of lesson.");
    REQUIRE(spec.arms.size() == 2);
    CHECK(spec.arms[0].name == "slow");
    CHECK(spec.arms[0].model == model_kind::serialized);
    CHECK(spec.arms[0].load.requests == 4);
    CHECK(spec.arms[0].load.concurrency == 2);
    CHECK(spec.arms[0].query == "ms=20");
    CHECK(spec.arms[0].seed_s == 1.1);
    CHECK(spec.arms[1].load.requests == 6);
    CHECK(spec.arms[1].load.probe_route == "/health");
    CHECK(spec.arms[1].load.probe_after_ms == 5);
    CHECK_FALSE(spec.arms[0].seed_s == std::nullopt);
}

TEST_CASE("overrides apply to every arm") {
    auto spec = load_scenario_file(data + "/good.toml");
    apply_overrides(spec, {.requests = 3, .concurrency = 1, .repeat = 2, .ms = 7});
    for (const auto& arm : spec.arms) {
        CHECK(arm.load.requests == 3);
        CHECK(arm.load.concurrency == 1);
        CHECK(arm.load.repeat == 2);
        CHECK(arm.query == "ms=7");
    }
}

TEST_CASE("bad files name file — line and key") {
    CHECK(error_of("bad/syntax.toml").starts_with(data + "/bad/syntax.toml:3: syntax: "));
    CHECK(error_of("bad/unknown_key.toml") ==
          data + "/bad/unknown_key.toml:3: titel: unknown key — did you mean 'title'? (expected one of: arms, baseline, defaults, expect, lesson, long, services, target, title)");
    CHECK(error_of("bad/wrong_type.toml") ==
          data + "/bad/wrong_type.toml:7: arms[0].requests: must be an integer from 1 to 10000000, \"cores\" or \"K*cores\"");
    CHECK(error_of("bad/missing_arms.toml") ==
          data + "/bad/missing_arms.toml: arms: missing: a scenario needs at least one [[arms]] table");
    CHECK(error_of("bad/bad_route.toml") ==
          data + "/bad/bad_route.toml:6: arms[0].route: unknown route (expected /blocking, /async, /pool, /cpu, /tasks, /db/blocking, /db/pool, /db/async, "
                                      "/http/blocking, /http/pool or /http/async)");
    CHECK(error_of("bad/impossible.toml") ==
          data + "/bad/impossible.toml:5: defaults.ms: must be an integer from 0 to 60000");
    CHECK(error_of("bad/duplicate_arm.toml") ==
          data + "/bad/duplicate_arm.toml:9: arms[1].name: duplicate arm name");
    CHECK(error_of("bad/missing_title.toml") == data + "/bad/missing_title.toml: title: missing (a string is required)");
    CHECK(error_of("bad/absent.toml") == data + "/bad/absent.toml: no such scenario file");
}

TEST_CASE("every shipped scenario parses") {
    auto files = list_scenario_files();
    CHECK(files.size() >= 2);
    for (const auto& f : files) {
        CAPTURE(f.string());
        auto spec = load_scenario_file(f);
        CHECK_FALSE(spec.title.empty());
        CHECK_FALSE(spec.lesson.empty());
        CHECK_FALSE(spec.arms.empty());
    }
}

TEST_CASE("unknown scenario names say how to list them") {
    CHECK_THROWS_WITH_AS(find_scenario("no-such-lesson"),
                         "unknown scenario 'no-such-lesson' (run 'concurrency-lab list' to see them)", scenario_error);
}

TEST_CASE("counts can follow the core count — a sweep expands into arms") {
    auto spec = load_scenario_file(data + "/cores.toml");
    const int cores = machine_cores();
    REQUIRE(spec.arms.size() == static_cast<std::size_t>(cores));
    CHECK(spec.baseline == "w-1");
    for (int w = 1; w <= cores; ++w) {
        const auto& arm = spec.arms[static_cast<std::size_t>(w - 1)];
        CHECK(arm.name == "w-" + std::to_string(w));
        CHECK(arm.server.workers == w);
        CHECK(arm.load.concurrency == w);
        CHECK(arm.load.requests == 2 * cores);
        CHECK(arm.on == cpu_place::pool);
        CHECK(arm.lanes == std::min(cores, 40 * w));
        CHECK(arm.model == (arm.lanes > 1 ? model_kind::parallel : model_kind::serialized));
        CHECK(arm.query.empty());  // /cpu's n is calibrated by the runner
    }
}

TEST_CASE("CPU arms promise the model of where they run") {
    auto spec = load_scenario_file(scenario_dir() / "cpu-threads-vs-processes.toml");
    const int cores = machine_cores();
    REQUIRE(spec.arms.size() == 4);
    CHECK(spec.arms[0].model == model_kind::serialized);  // loop
    CHECK(spec.arms[1].lanes == std::min(cores, 40));     // pool
    CHECK(spec.arms[2].model == model_kind::serialized);  // pool under the GIL: one lane
    CHECK(spec.arms[2].server.gil);
    CHECK(spec.arms[3].server.workers == cores);                 // processes
    CHECK(spec.arms[3].server.accept_gate_us == 2000);
}

TEST_CASE("bad CPU and worker keys name file — line and key") {
    CHECK(error_of("bad/on_for_sleep.toml") == data + "/bad/on_for_sleep.toml:7: arms[0].on: only /cpu takes 'on'");
    CHECK(error_of("bad/bad_baseline.toml") == data + "/bad/bad_baseline.toml:3: baseline: names no arm of this scenario");
    CHECK(error_of("bad/bad_cores.toml") ==
          data + "/bad/bad_cores.toml:7: arms[0].workers: must be an integer from 1 to 256, \"cores\" or \"K*cores\"");
}

TEST_CASE("beside names another arm of the file — not a missing one and not itself") {
    const std::string head = "title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"a\"\nroute = \"/async\"\n"
                             "[[arms]]\nname = \"b\"\nroute = \"/blocking\"\n";
    auto error = [&](const std::string& text) {
        try {
            parse_scenario(text, "pair.toml");
        } catch (const scenario_error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    CHECK(parse_scenario(head + "beside = \"a\"\n", "pair.toml").arms[1].beside == "a");
    CHECK(error(head + "beside = \"c\"\n") ==
          "pair.toml:9: arms[1].beside: names no arm of this scenario (a sweep's arms are NAME-1, NAME-2, …)");
    // A sweep's arm beside itself, once expanded.
    const std::string sweep = "title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"b\"\nroute = \"/cpu\"\n"
                              "sweep_workers = 2\nbeside = \"b-1\"\n";
    CHECK(error(sweep).ends_with("arms[0].beside: names the arm itself"));
    CHECK(error(head + "beside = \"b\"\n") == "pair.toml:9: arms[1].beside: names the arm itself");
    CHECK(error(head + "beside = 3\n") == "pair.toml:9: arms[1].beside: must be a non-empty string");
}


TEST_SUITE_END();



TEST_SUITE("unit") {

TEST_CASE("K*cores takes decimal digits alone — and work belongs to /tasks") {
    for (const char* bad : {"1.5*cores", "1e2*cores", "2abc*cores", " 3*cores", "+2*cores", "02*cores", "*cores", "0*cores"}) {
        INFO(bad);
        const std::string file = std::string("title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"a\"\nroute = \"/async\"\nrequests = \"") +
                                 bad + "\"\n";
        CHECK_THROWS_WITH_AS(parse_scenario(file, "k.toml"),
                             "k.toml:6: arms[0].requests: must be an integer from 1 to 10000000, \"cores\" or \"K*cores\"",
                             scenario_error);
    }
    auto two = parse_scenario("title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"a\"\nroute = \"/async\"\nrequests = \"2*cores\"\n",
                              "k.toml");
    CHECK(two.arms[0].load.requests == 2 * machine_cores());
    CHECK_THROWS_WITH_AS(parse_scenario("title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"a\"\nroute = \"/pool\"\nwork = \"cpu\"\n",
                                        "w.toml"),
                         "w.toml:6: arms[0].work: only /tasks takes 'work'", scenario_error);
    auto cpu = parse_scenario("title = \"t\"\nlesson = \"l\"\n[[arms]]\nname = \"q\"\nroute = \"/tasks\"\nmethod = \"POST\"\n"
                              "work = \"cpu\"\ntask_workers = \"cores\"\n",
                              "w.toml");
    CHECK(cpu.arms[0].cpu_task);
    CHECK(cpu.arms[0].server.task_workers == machine_cores());
}

// Each knob of the table is a key of [defaults] and of an arm, and what the file says reaches
// the server's command line as the knob's own flag; a foreign arm refuses every one.
TEST_CASE("every serve knob is settable per arm and reaches serve's arguments") {
    std::string keys, foreign;
    std::vector<std::string> expected;
    for (const auto& knob : server_knobs()) {
        if (knob.key.empty()) continue;
        const bool flag = std::holds_alternative<bool server_config::*>(knob.member);
        const bool text = std::holds_alternative<std::string server_config::*>(knob.member);
        const std::string value = flag ? "true" : text ? "http://127.0.0.1:9" : std::to_string(knob.max);
        keys += knob.key + " = " + (text ? "\"" + value + "\"" : value) + "\n";
        expected.push_back(knob.flag);
        if (!flag) expected.push_back(value);
    }
    const std::string head = "title = \"t\"\nlesson = \"l\"\n";
    auto in_arm = parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/async\"\n" + keys, "k.toml");
    CHECK(serve_args(in_arm.arms[0].server) == expected);
    auto in_defaults = parse_scenario(head + "[defaults]\n" + keys + "[[arms]]\nname = \"a\"\nroute = \"/async\"\n", "k.toml");
    CHECK(in_defaults.arms[0].server == in_arm.arms[0].server);
    CHECK(serve_args(server_config{}).empty());
    for (const auto& knob : server_knobs()) {
        if (knob.key.empty()) continue;
        const std::string file = head + "[[arms]]\nname = \"a\"\ntarget = { url = \"http://127.0.0.1:9\" }\npath = \"/\"\n" +
                                 knob.key + " = 1\n";
        CHECK_THROWS_WITH_AS(parse_scenario(file, "f.toml"),
                             doctest::Contains("only for the lab's own server"), scenario_error);
    }
}

// From an attack review: what the reader must take, and what it must refuse with the key's line.
TEST_CASE("a sweep gives reuse_port its workers — TOML's hex octal and binary integers are refused") {
    const std::string head = "title = \"t\"\nlesson = \"l\"\n";
    auto swept = parse_scenario(head + "[[arms]]\nname = \"r\"\nroute = \"/cpu\"\nreuse_port = true\nsweep_workers = 2\n",
                                "s.toml");
    REQUIRE(swept.arms.size() == 2);
    CHECK(swept.arms[1].server.reuse_port);
    CHECK(swept.arms[1].server.workers == 2);
    for (const char* value : {"0x10", "0o10", "0b1"}) {
        CHECK_THROWS_WITH_AS(parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/async\"\npool_threads = " + value + "\n",
                                            "h.toml"),
                             "h.toml:6: arms[0].pool_threads: must be an integer from 1 to 1024", scenario_error);
        CHECK_THROWS_WITH_AS(parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/async\"\nworkers = " + value + "\n",
                                            "h.toml"),
                             doctest::Contains("arms[0].workers: must be an integer from 1 to 256"), scenario_error);
    }
    CHECK(parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/async\"\nio_timeout_ms = 1_000\n", "u.toml")
              .arms[0].server.io_timeout_ms == 1000);  // TOML's digit separator is still decimal
    CHECK_THROWS_WITH_AS(parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/cpu\"\nworkers = -1\n", "n.toml"),
                         "n.toml:6: arms[0].workers: must be an integer from 1 to 256, \"cores\" or \"K*cores\"",
                         scenario_error);
    CHECK_THROWS_WITH_AS(parse_scenario(head + "[[arms]]\nname = \"a\"\nroute = \"/cpu\"\n"
                                               "workers = \"6148914691236517206*cores\"\n",
                                        "o.toml"),
                         doctest::Contains("arms[0].workers: must be an integer from 1 to 256"), scenario_error);
    CHECK_THROWS_WITH_AS(parse_scenario(head + "[defaults]\nreuse_port = true\n[[arms]]\nname = \"a\"\nroute = \"/cpu\"\n",
                                        "d.toml"),
                         "d.toml:4: defaults.reuse_port (for arms[0]): needs workers", scenario_error);
    CHECK_THROWS_WITH_AS(parse_scenario(head + "[[arms]]\nname = \"q\"\nroute = \"/tasks\"\nmethod = \"GET\"\n", "m.toml"),
                         "m.toml:6: arms[0].method: /tasks takes POST", scenario_error);
}

TEST_CASE("the reader's lower bounds hold — repeat 0 and a negative ms are refused where they stand") {
    const std::string head = "title = \"t\"\nlesson = \"l.\"\n";
    auto refusal = [&](const std::string& body) {
        try {
            parse_scenario(head + body, "bounds.toml");
        } catch (const scenario_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal("[[arms]]\nname = \"a\"\nroute = \"/async\"\nrepeat = 0\n").find("bounds.toml:6: arms[0].repeat: ") == 0);
    CHECK(refusal("[[arms]]\nname = \"a\"\nroute = \"/async\"\nms = -20\n").find("bounds.toml:6: arms[0].ms: ") == 0);
    CHECK(refusal("[defaults]\nrequests = 0\n[[arms]]\nname = \"a\"\nroute = \"/async\"\n").find("defaults.requests: ") !=
          std::string::npos);
    CHECK(refusal("[[arms]]\nname = \"a\"\nroute = \"/async\"\nconcurrency = 0\n").find("arms[0].concurrency: ") !=
          std::string::npos);
    CHECK(refusal("[[arms]]\nname = \"a\"\nroute = \"/async\"\nrepeat = 1\nms = 0\n") == "accepted");
}

TEST_CASE("names and titles carry no control characters — a lesson keeps its line breaks") {
    auto refusal = [](const std::string& text) {
        try {
            parse_scenario(text, "c.toml");
        } catch (const scenario_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    const std::string arm = "[[arms]]\nname = \"a\"\nroute = \"/async\"\n";
    CHECK(refusal("title = \"red \\u001b[31m\"\nlesson = \"l.\"\n" + arm) ==
          "c.toml:1: title: contains a control character (U+001B); it must be one line of printable text");
    CHECK(refusal("title = \"t\"\nlesson = \"l.\"\n[[arms]]\nname = \"a\\u0000b\"\nroute = \"/async\"\n")
              .find("arms[0].name: contains a control character (U+0000)") != std::string::npos);
    CHECK(refusal("title = \"t\\nu\"\nlesson = \"l.\"\n" + arm).find("title: contains a control character (U+000A)") !=
          std::string::npos);
    CHECK(refusal("title = \"t\"\nlesson = \"\"\"\nOne line,\n\tand another.\"\"\"\n" + arm) == "accepted");
    CHECK(refusal("title = \"t\"\nlesson = \"bell \\u0007\"\n" + arm).find("lesson: contains a control character (U+0007)") !=
          std::string::npos);
}

}  // TEST_SUITE

namespace {

std::string parse_error(const std::string& toml) {
    try {
        parse_scenario(toml, "db.toml");
    } catch (const scenario_error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string head = "title = \"t\"\nlesson = \"l\"\n[defaults]\nrequests = 40\nconcurrency = 40\nms = 200\n";
const std::string postgres = "[[services]]\nname = \"db\"\nkind = \"postgres\"\n";

}  // namespace

TEST_CASE("a /db arm needs a database and an /http arm a downstream — said before anything runs") {
    CHECK(parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/db/async\"\n").find("/db/async queries a database") !=
          std::string::npos);
    CHECK(parse_error(head + postgres + "[[arms]]\nname = \"a\"\nroute = \"/db/async\"\n") == "(no error)");
    CHECK(parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/db/pool\"\ndatabase_url = \"postgresql:///x\"\n") ==
          "(no error)");
    CHECK(parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/http/async\"\n").find("/http/async calls a downstream") !=
          std::string::npos);
    CHECK(parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/http/pool\"\ndownstream = \"{down_url}\"\n") ==
          "(no error)");
    for (const char* bad : {"https://127.0.0.1:9", "http://127.0.0.1:9/a?b=1", "nope"}) {
        CAPTURE(bad);
        const auto e = parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/http/pool\"\ndownstream = \"" + bad + "\"\n");
        CHECK(e.find("arms (a).downstream") != std::string::npos);
    }
    CHECK(parse_error(head + "[[arms]]\nname = \"a\"\nroute = \"/async\"\ndb_pool = 0\n").find("db_pool") != std::string::npos);
    // Advice is held against a model: another server's arm must name one.
    CHECK(parse_error(head + "[target]\nurl = \"http://127.0.0.1:9/\"\n[[arms]]\nname = \"a\"\npath = \"/x\"\nadvice = \"def\"\n")
              .find("advice: needs the model") != std::string::npos);
}

TEST_CASE("the database pool is a term of the models: ⌈N / min(C - threads - K)⌉ · t") {
    auto spec = parse_scenario(head + postgres +
                                   "[[arms]]\nname = \"loop\"\nroute = \"/db/blocking\"\ndb_pool = 15\n"
                                   "[[arms]]\nname = \"pool\"\nroute = \"/db/pool\"\ndb_pool = 15\n"
                                   "[[arms]]\nname = \"threads\"\nroute = \"/db/pool\"\ndb_pool = 15\npool_threads = 8\n"
                                   "[[arms]]\nname = \"async\"\nroute = \"/db/async\"\ndb_pool = 15\n"
                                   "[[arms]]\nname = \"roomy\"\nroute = \"/db/async\"\ndb_pool = 40\n"
                                   "[[arms]]\nname = \"workers\"\nroute = \"/db/pool\"\ndb_pool = 5\nworkers = 2\n"
                                   "[[arms]]\nname = \"plain\"\nroute = \"/pool\"\ndb_pool = 5\n",
                               "db.toml");
    REQUIRE(spec.arms.size() == 7);
    CHECK(spec.arms[0].model == model_kind::serialized);
    CHECK(spec.arms[1].model == model_kind::pool);
    CHECK(spec.arms[1].lanes == 15);  // 40 threads, 15 connections
    CHECK(spec.arms[2].lanes == 8);   // 8 threads, 15 connections
    CHECK(spec.arms[3].model == model_kind::pool);  // coroutines, but 15 connections for 40 of them
    CHECK(spec.arms[3].lanes == 15);
    CHECK(spec.arms[4].model == model_kind::concurrent);
    CHECK(spec.arms[5].lanes == 10);  // 5 connections in each of 2 processes
    CHECK(spec.arms[6].lanes == 40);  // a route without a database ignores the pool
    CHECK(ideal_ms(spec.arms[1].model, 40, 40, spec.arms[1].lanes, 200) == 600);  // ⌈40/15⌉ = 3 waves
}
