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

TEST_SUITE_END();
