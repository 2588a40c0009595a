// The HTML report, rendered by a real browser: headless Chromium (Debian's package) loads
// the file and the test reads the DOM it built. .ci/run installs Chromium; where it is
// absent the test says so and checks only the file.
#include "run_command.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <unistd.h>

// ctest labels each case by its suite (tests/CMakeLists.txt): `ctest -L integration`.
TEST_SUITE_BEGIN("integration");

using lab::test::run_lab;
using lab::test::run_shell;

TEST_CASE("scenario all writes one HTML page that a browser renders with every timeline" * doctest::test_suite("slow")) {
    auto file = std::filesystem::temp_directory_path() / ("lab-report-" + std::to_string(::getpid()) + ".html");
    auto r = run_lab({"scenario", "all", "--requests", "2", "--ms", "5", "--format", "html", "--out", file.string()},
                     300);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(file);
    std::string html((std::istreambuf_iterator<char>(in)), {});
    // Self-contained: nothing to fetch — no URL of any scheme in an attribute, no @import (a
    // scenario's path may say /http/blocking; that is text, not a fetch).
    for (const char* fetch : {"src=", "href=\"http", "url(", "@import", "://"}) {
        INFO(fetch);
        CHECK(html.find(fetch) == std::string::npos);
    }
    CHECK(html.find("<section id=\"blocking-async\">") != std::string::npos);
    CHECK(html.find("<section id=\"c10k\">") == std::string::npos);  // long scenarios are left out

    // Found on PATH, as .ci/run looks for it. Missing, the case says SKIPPED, which ctest
    // reports as a skip (tests/CMakeLists.txt) and CI refuses.
    const auto chromium = run_shell("command -v chromium");
    if (chromium.empty()) {
        MESSAGE("SKIPPED: chromium is not installed: the page was not rendered (.ci/run installs it)");
    } else {
        auto dom = run_shell("timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom file://" +
                             file.string() + " 2>/dev/null");
        CHECK(dom.find("concurrency-lab report") != std::string::npos);
        CHECK(dom.find("experiment-log — ") != std::string::npos);
        CHECK(dom.find("<svg class=\"timeline\"") != std::string::npos);
        CHECK(dom.find("<rect") != std::string::npos);
        // The page as laid out in a 1280 px window: a copy with a script that writes what the
        // browser measured into the DOM (the report itself runs no script).
        std::string probe = html;
        const auto body_end = probe.rfind("</body>");
        REQUIRE(body_end != std::string::npos);
        probe.insert(body_end,
                     "<script>const wide = Array.from(document.querySelectorAll('table, svg'))"
                     ".map(e => e.getBoundingClientRect().right);"
                     "document.body.setAttribute('data-page-width', document.documentElement.scrollWidth);"
                     "document.body.setAttribute('data-widest', Math.ceil(Math.max(...wide)));"
                     "document.body.setAttribute('data-measured', wide.length);</script>");
        auto probed = file;
        probed += ".probe.html";
        std::ofstream(probed) << probe;
        auto laid_out = run_shell("timeout 60 chromium --headless --no-sandbox --disable-gpu --window-size=1280,900 "
                                  "--dump-dom file://" + probed.string() + " 2>/dev/null");
        std::filesystem::remove(probed);
        auto attribute = [&](const std::string& name) {
            const auto at = laid_out.find(name + "=\"");
            return at == std::string::npos ? -1 : std::atoi(laid_out.c_str() + at + name.size() + 2);
        };
        INFO("page ", attribute("data-page-width"), " px, widest element ", attribute("data-widest"), " px");
        CHECK(attribute("data-measured") > 20);  // the tables and charts of every scenario
        CHECK(attribute("data-page-width") > 0);
        CHECK(attribute("data-page-width") <= 1280);  // no horizontal scrolling
        CHECK(attribute("data-widest") > 0);
        CHECK(attribute("data-widest") <= 1280);
    }
    std::filesystem::remove(file);
}

TEST_CASE("scenario all prints every scenario and one summary" * doctest::test_suite("slow")) {
    auto r = run_lab({"scenario", "all", "--requests", "2", "--ms", "5", "--format", "json"}, 300);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto count = [&](const std::string& needle) {
        int n = 0;
        for (auto at = r.out.find(needle); at != std::string::npos; at = r.out.find(needle, at + 1)) ++n;
        return n;
    };
    CHECK(count("\"scenario\":") >= 10);
    auto table = run_lab({"scenario", "all", "--requests", "2", "--ms", "5"}, 300);
    REQUIRE(table.exit_code == 0);
    CHECK(table.out.find("\n  summary\n") != std::string::npos);
}

TEST_SUITE_END();
