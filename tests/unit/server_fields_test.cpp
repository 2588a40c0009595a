// The load generator's reading of the lab server's handler fields from a response body.
#include "load/server_fields.hpp"

#include <doctest/doctest.h>
#include <string>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L unit`.
TEST_SUITE_BEGIN("unit");

using lab::read_server_fields;
using lab::request_record;

TEST_CASE("handler fields are read from a lab server's body — and only from its top level") {
    request_record rec;
    read_server_fields(R"({"route":"/health","pid":41,"thread":42,"start_ns":1000,"end_ns":2500,"status":"ok"})", rec);
    REQUIRE(rec.server.has_value());
    CHECK(rec.server->pid == 41);
    CHECK(rec.server->thread == 42);
    CHECK(rec.server->start_ns == 1000);
    CHECK(rec.server->end_ns == 2500);
    CHECK_FALSE(rec.task_done);

    request_record nested;
    read_server_fields(R"({"inner":{"pid":1,"thread":2,"start_ns":3,"end_ns":4},"list":[{"pid":1}]})", nested);
    CHECK_FALSE(nested.server.has_value());

    request_record after_empty;  // empty containers before the fields do not swallow a key
    read_server_fields(R"({"inner":{},"list":[],"pid":1,"thread":2,"start_ns":3,"end_ns":4})", after_empty);
    CHECK(after_empty.server.has_value());

    request_record partial;  // one field missing: no server fields at all
    read_server_fields(R"({"pid":1,"thread":2,"start_ns":3})", partial);
    CHECK_FALSE(partial.server.has_value());

    request_record wrong_type;
    read_server_fields(R"({"pid":"1","thread":2,"start_ns":3,"end_ns":4})", wrong_type);
    CHECK_FALSE(wrong_type.server.has_value());
}

TEST_CASE("a task's id and status are read — anything but valid JSON object changes nothing") {
    request_record queued;
    read_server_fields(R"({"task_id":7,"status":"queued","queue_depth":3})", queued);
    CHECK(queued.task_id == 7);
    CHECK_FALSE(queued.task_done);

    request_record done;
    read_server_fields(R"({"status":"done","task_id":8,"result":1.5,"long_key_that_is_ignored":"x"})", done);
    CHECK(done.task_id == 8);
    CHECK(done.task_done);

    request_record spaced;  // whitespace around the document is JSON too
    read_server_fields(" {\"task_id\": 5 }\r\n", spaced);
    CHECK(spaced.task_id == 5);

    request_record escaped;  // the parser unescapes: "d\u006fne" is "done"
    read_server_fields(R"({"status":"d\u006fne"})", escaped);
    CHECK(escaped.task_done);

    for (const char* body : {"", "not json", R"({"pid":1,"thread":2,"start_ns":3,"end_ns":4)", "[1,2]",
                             R"({"task_id":9,"status":"done"} trailing)", "<html>503</html>"}) {
        CAPTURE(body);
        request_record rec;
        read_server_fields(body, rec);
        CHECK_FALSE(rec.server.has_value());
        CHECK(rec.task_id == 0);
        CHECK_FALSE(rec.task_done);
    }
}

TEST_CASE("Server-Timing carries the handler's run — from any server — in the W3C syntax") {
    request_record rec;
    CHECK(lab::read_server_timing(
        "handler;dur=100.2, pid;desc=4242, thread;desc=4250, start_ns;desc=1000, end_ns;desc=2500", rec));
    REQUIRE(rec.server.has_value());
    CHECK(rec.server->pid == 4242);
    CHECK(rec.server->thread == 4250);
    CHECK(rec.server->start_ns == 1000);
    CHECK(rec.server->end_ns == 2500);
    // Quoted descs, other metrics (a proxy's, a framework's) and spaces are read past.
    request_record quoted;
    CHECK(lab::read_server_timing(R"(cache;desc="hit";dur=0.1,db;dur=53 , pid;desc="7",thread ; desc=8,)"
                                  R"( start_ns;dur=1;desc="10", end_ns;desc=20)",
                                  quoted));
    REQUIRE(quoted.server.has_value());
    CHECK(quoted.server->pid == 7);
    CHECK(quoted.server->thread == 8);
    CHECK(quoted.server->start_ns == 10);
    // One of the four missing, or malformed, or an end before its start: nothing is taken.
    for (const char* bad : {"pid;desc=1, thread;desc=2, start_ns;desc=3",
                            "pid;desc=1, thread;desc=x2, start_ns;desc=3, end_ns;desc=4",
                            "pid;desc=1, thread;desc=2, start_ns;desc=30, end_ns;desc=4",
                            "pid;desc=-1, thread;desc=2, start_ns;desc=3, end_ns;desc=4",
                            "pid;desc=99999999999999999999, thread;desc=2, start_ns;desc=3, end_ns;desc=4", "", ",,,;"}) {
        CAPTURE(bad);
        request_record none;
        CHECK_FALSE(lab::read_server_timing(bad, none));
        CHECK_FALSE(none.server.has_value());
    }
}

TEST_SUITE_END();
